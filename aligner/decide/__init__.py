"""Deciding: which candidates are accepted, and by which rule."""
