"""Does the model tell a translation from an unrelated sentence? Checked on every run, on short
Greek-English pairs written for this project, before anything is accepted.

A model that knows nothing (random weights, a wrong checkpoint, a monolingual model) still gives
margins with a spread, and the threshold rule can find two groups in that noise: such a run
accepted 324 of 495 tweets. Such a model ranks these translations at chance, and then nothing
is accepted and the summary says why.
"""

from __future__ import annotations

import numpy as np

from aligner.decide.threshold import Threshold
from embeddings.cache import VectorCache, encode_cached

PROBES = (
    ("Ο σεισμός έγινε αισθητός σε όλη την Κρήτη.", "The earthquake was felt across Crete."),
    ("Η πυροσβεστική έστειλε δεκάδες οχήματα στην Πεντέλη.", "The fire service sent dozens of vehicles to Penteli."),
    ("Τα πλοία έμειναν δεμένα στο λιμάνι λόγω της απεργίας.", "Ships stayed tied up in port because of the strike."),
    ("Η κυβέρνηση ανακοίνωσε νέα μέτρα για τη στέγαση.", "The government announced new housing measures."),
    ("Πλημμύρισαν δρόμοι και σπίτια στη Λάρισα.", "Roads and homes were flooded in Larissa."),
    ("Ο υπουργός Οικονομικών συναντήθηκε με τους δανειστές.", "The finance minister met the lenders."),
    ("Η τιμή της βενζίνης αυξήθηκε ξανά αυτή την εβδομάδα.", "The price of petrol rose again this week."),
    ("Δύο ορειβάτες διασώθηκαν στον Όλυμπο.", "Two climbers were rescued on Mount Olympus."),
    ("Το μουσείο θα μείνει κλειστό για επισκευές.", "The museum will stay closed for repairs."),
    ("Οι αγρότες έκλεισαν την εθνική οδό με τρακτέρ.", "Farmers blocked the national road with tractors."),
    ("Η ομάδα κέρδισε το κύπελλο μετά από είκοσι χρόνια.", "The team won the cup after twenty years."),
    ("Ισχυροί άνεμοι ακύρωσαν τις πτήσεις προς τα νησιά.", "Strong winds cancelled flights to the islands."),
    ("Οι γιατροί των νοσοκομείων ξεκινούν απεργία την Τρίτη.", "Hospital doctors begin a strike on Tuesday."),
    ("Το σχολείο έκλεισε λόγω του χιονιού.", "The school closed because of the snow."),
    ("Η αστυνομία συνέλαβε τρεις υπόπτους για την κλοπή.", "Police arrested three suspects over the theft."),
    ("Ο πρωθυπουργός επισκέφθηκε τις πληγείσες περιοχές.", "The prime minister visited the affected areas."),
)
# Top-1 retrieval among the probes, both ways, that a model must reach: the default model gets
# every one right; a random-weight model of its shape about one in sixteen.
MIN_ACCURACY = 0.5


_MEASURED: dict[str, float] = {}  # by the encoder's cache key: a property of the model, measured once


def probe_accuracy(encoder, cache: VectorCache | None = None) -> float:
    """Share of the probe translations each side ranks first among the other side's probes."""
    if encoder.cache_key not in _MEASURED:
        _MEASURED[encoder.cache_key] = _measure(encoder, cache)
    return _MEASURED[encoder.cache_key]


def refusal(encoder, cache: VectorCache | None = None) -> Threshold | None:
    """A threshold that accepts nothing when the model cannot tell the probe translations apart;
    None when it can."""
    accuracy = probe_accuracy(encoder, cache)
    if accuracy >= MIN_ACCURACY:
        return None
    return Threshold(np.inf, "model_check", f"the model ranks first only {accuracy:.0%} of {len(PROBES)} probe "
                                            f"translations (needs {MIN_ACCURACY:.0%}): it does not align Greek "
                                            f"and English, so nothing is accepted")


def _measure(encoder, cache: VectorCache | None) -> float:
    greek, english = (list(side) for side in zip(*PROBES))
    vectors = encode_cached(encoder, greek + english, cache, encoder.cache_key)
    similarity = vectors[:len(greek)] @ vectors[len(greek):].T
    right = np.arange(len(greek))
    return float(((similarity.argmax(axis=1) == right).mean() + (similarity.argmax(axis=0) == right).mean()) / 2)
