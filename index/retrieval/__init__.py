"""First-stage retrieval: the dense (FAISS), latent-term and BM25 signals, and the question's model passes."""
