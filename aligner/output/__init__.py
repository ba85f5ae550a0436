"""The output contract: the record and its schema, pairs, the label vocabulary, and atomic files."""
