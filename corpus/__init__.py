"""The bundled corpus: one real Programme Guide page (Bulgarian) and its metadata record."""
