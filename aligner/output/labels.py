"""The annotation vocabulary that exports offer, and evaluation and calibration read back."""

LABELS = ("same_event", "related", "unrelated")
POSITIVE_STRICT = frozenset({"same_event"})           # what "precision" means everywhere
POSITIVE_LOOSE = frozenset({"same_event", "related"})  # evaluate's second view: related counts too
