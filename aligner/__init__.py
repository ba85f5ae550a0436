"""Greek-English cross-lingual event aligner: Greek wire statements <-> English tweets."""

__version__ = "0.1.0"
