"""The same clause across languages: alignment, counterparts, glossary, figures and the consistency check."""
