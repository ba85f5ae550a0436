"""Scoring: what the model sees of a text, distinct texts, the FAISS search, margins, evidence and events."""
