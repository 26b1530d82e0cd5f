"""Search API edges: the FastAPI app, its schemas, and the `guidekb` CLI."""
