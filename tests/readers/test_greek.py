"""Greek sentence segmentation: the cases wire text needs, and offsets that always slice back."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.readers.greek import nfc_map, split_sentences


def texts(t: str) -> list[str]:
    return [s.text for s in split_sentences(t)]


@pytest.mark.parametrize("text, expected", [
    ("Τι έγινε; Κανείς δεν ξέρει.", ["Τι έγινε;", "Κανείς δεν ξέρει."]),
    ("Σεισμός 7,8 Ρίχτερ. Σκοτώθηκαν 20.000 άνθρωποι.", ["Σεισμός 7,8 Ρίχτερ.", "Σκοτώθηκαν 20.000 άνθρωποι."]),
    ("Ο κ. Παπαδόπουλος μίλησε. Ήρθε π.χ. ο δήμαρχος.", ["Ο κ. Παπαδόπουλος μίλησε.", "Ήρθε π.χ. ο δήμαρχος."]),
    ("Ο Κ. Μητσοτάκης δήλωσε. Ο Α. Τσίπρας όχι.", ["Ο Κ. Μητσοτάκης δήλωσε.", "Ο Α. Τσίπρας όχι."]),
    ("Απέχει 20 χλμ. από την Αθήνα. Υπήρχαν σπίτια κ.ά. Τέλος.",
     ["Απέχει 20 χλμ. από την Αθήνα.", "Υπήρχαν σπίτια κ.ά.", "Τέλος."]),
    ("Δηλ. όλοι ήρθαν. Τέλος.", ["Δηλ. όλοι ήρθαν.", "Τέλος."]),
    ("Στις Η.Π.Α. ψήφισαν. Η Ε.Ε. αποφάσισε.", ["Στις Η.Π.Α. ψήφισαν.", "Η Ε.Ε. αποφάσισε."]),
    ("Κανείς δεν ξέρει… Ίσως αύριο.", ["Κανείς δεν ξέρει…", "Ίσως αύριο."]),
    ("Κανείς δεν ξέρει... Ίσως αύριο.", ["Κανείς δεν ξέρει...", "Ίσως αύριο."]),
    ("«Ήρθαμε. Φύγαμε», ανακοίνωσε η αστυνομία. Επόμενη.", ["«Ήρθαμε. Φύγαμε», ανακοίνωσε η αστυνομία.", "Επόμενη."]),
    ("Ο πρόεδρος έγραψε: We will win. Stay strong. Μετά έφυγε.",
     ["Ο πρόεδρος έγραψε: We will win. Stay strong.", "Μετά έφυγε."]),
    # An opening « that never closes must not swallow the rest of the paragraph.
    ("Είπε «ναι. Μετά έφυγε. Τέλος.", ["Είπε «ναι.", "Μετά έφυγε.", "Τέλος."]),
    ("Πρώτη. «Δεύτερη με εισαγωγικά.» Τρίτη.", ["Πρώτη.", "«Δεύτερη με εισαγωγικά.»", "Τρίτη."]),
])
def test_greek_news_cases(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_offsets_point_into_original_when_nfc_changes_length() -> None:
    original = "Ε\u0301να σπι\u0301τι. Δυ\u0301ο σπι\u0301τια."
    sents = split_sentences(original, base=10)
    assert [s.text for s in sents] == ["Ένα σπίτι.", "Δύο σπίτια."]
    for s in sents:
        assert unicodedata.normalize("NFC", original[s.start - 10:s.end - 10]) == s.text


def test_nfc_map_is_exact() -> None:
    original = "a\u0301b\u0327\u0301 Ω\u0313\u0342 \u1100\u1161\u11a8 x"
    nfc, starts, ends = nfc_map(original)
    assert nfc == unicodedata.normalize("NFC", original)
    assert len(starts) == len(ends) == len(nfc)


_alphabet = st.sampled_from(list("αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ abcXYZ0123456789"
                                 ".,;!?…«»\"“”()'-\n\t") + ["\u0301", "\u0308", "\u0313", "\u0342", "ά", "ΐ",
                                                            "🇬🇷", "\u200d", "\ufffd", "\r\n", "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_alphabet, max_size=80).map("".join)))
def test_offsets_slice_back_to_text(original: str) -> None:
    for s in split_sentences(original):
        assert 0 <= s.start < s.end <= len(original)
        assert unicodedata.normalize("NFC", original[s.start:s.end]).strip() == s.text
        assert s.text
