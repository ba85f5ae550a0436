"""The output contract: the record and its schema, pairs, atomic files, and the HTML report."""
