"""Names and numbers in a text, in forms that compare across the Greek and Latin scripts.

A Greek name is transliterated (ELOT 743 letters, with the spoken values of the digraphs that
English spellings follow: Μπάιντεν -> Bainden, Ντόναλντ -> Donalnd) and reduced to a key that
forgets what transliteration and inflection vary: vowels after the first letter, h, doubled
letters, a final s (Λάρισας, Larissa -> lr). Keys are then compared fuzzily (rapidfuzz), so a
case ending or a spelling habit does not hide a shared name. Numbers are read with both
separator conventions and with a following magnitude word (7,8 = 7.8; 20.000 = 20,000 = 20
thousand = 20 χιλ.).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.fuzz import ratio

# Greek letters to Latin (ELOT 743 / ISO 843 for single letters).
_LETTERS = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                    ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r",
                     "s", "s", "t", "y", "f", "ch", "ps", "o"]))
# Digraphs as English spellings of Greek names read them: word-initially the voiced stop,
# inside a word the nasal and the stop (Μπάιντεν, Biden; Ντόναλντ, Donald; Γκρίνπις, Greenpeace).
_INITIAL = {"μπ": "b", "ντ": "d", "γκ": "g"}
_INSIDE = {"μπ": "mb", "ντ": "nd", "γκ": "ng", "γγ": "ng", "γχ": "nch", "γξ": "nx", "ου": "ou",
           "αυ": "av", "ευ": "ev", "ηυ": "iv"}


@lru_cache(maxsize=1 << 16)  # names recur across a run's texts: each word is read once
def transliterate(word: str) -> str:
    """A Greek word in Latin letters, lower case; other scripts are only lower-cased and stripped
    of accents."""
    text = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))
    text = re.sub(r"^γ?ου(?=[αεηιοωυ])", "w", text)  # Γουίνφρεϊ, Ουάσινγκτον: Winfrey, Washington
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if i == 0 and pair in _INITIAL:
            out.append(_INITIAL[pair])
            i += 2
        elif pair in _INSIDE:
            out.append(_INSIDE[pair])
            i += 2
        else:
            out.append(_LETTERS.get(text[i], text[i]))
            i += 1
    return "".join(out)


# Countries and peoples whose English names are not their Greek ones, in the forms news uses.
_EXONYMS = {greek: english for english, forms in {
    "greece": "ελλάδα ελλάδας ελλάδος έλληνας έλληνες ελλήνων ελληνική ελληνικής ελληνικό ελληνικού ελληνικά",
    "us": "ηπα αμερική αμερικής αμερικανός αμερικανοί αμερικανική αμερικανικής αμερικανικό αμερικανικού",
    "britain": "βρετανία βρετανίας βρετανός βρετανική βρετανικής βρετανικό βρετανικού",
    "turkey": "τουρκία τουρκίας τούρκος τουρκική τουρκικής τουρκικό τουρκικού",
    "germany": "γερμανία γερμανίας γερμανός γερμανική γερμανικής γερμανικό γερμανικού",
    "france": "γαλλία γαλλίας γάλλος γαλλική γαλλικής γαλλικό γαλλικού",
    "europe": "εε ευρώπη ευρώπης ευρωπαϊκή ευρωπαϊκής ευρωπαϊκό ευρωπαϊκού",
    "sweden": "σουηδία σουηδίας",
    "egypt": "αίγυπτος αιγύπτου",
}.items() for greek in forms.split()}
_EXONYMS.update({english: canonical for canonical, forms in {
    "us": "usa u.s. america american americans united",
    "britain": "uk british england english",
    "greece": "greek greeks hellenic",
    "turkey": "turkish türkiye",
    "germany": "german germans",
    "france": "french",
    "europe": "eu european",
}.items() for english in forms.split()})


@lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """What survives transliteration and inflection: first letter, then consonants, with
    spelling variants merged (ph/f, c/k, y/i) and doubled letters and a final s dropped."""
    word = re.sub(r"['’]s$", "", word)
    latin = _EXONYMS.get(word.lower()) or transliterate(word)
    for spelling, sound in (("ph", "f"), ("ck", "k"), ("c", "k"), ("q", "k"), ("y", "i"), ("j", "i"), ("h", ""),
                            ("ou", "u"), ("z", "s"), ("mb", "b"), ("nd", "d"), ("ng", "g")):
        latin = latin.replace(spelling, sound)
    if not latin:
        return ""
    latin = latin[0] + re.sub(r"[aeiou]", "", latin[1:])
    latin = re.sub(r"(.)\1+", r"\1", latin)
    return latin[:-1] if len(latin) > 2 and latin.endswith("s") else latin


# Capitalised words that are not names: sentence starters, titles, months and days (a date is
# compared as a date, not as a name).
_NOT_NAMES = frozenset("""
a an the this that these those it its he she we they i you my our their his her in on at of for
from to by with as and or but if when while after before over under about into up down out new
no not yes all some more most many much one two three there here what who why how today tonight
yesterday tomorrow breaking update live watch video photo photos read via thread please thank
thanks mr mrs ms dr prof sir rt just now also so then amp
january february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec
ο η το οι τα του της των τον την στο στη στην στον στα στις στους σε με για από και ή αλλά όπως
σύμφωνα κατά μετά πριν ενώ όταν αν ότι ως ένας μία ένα έναν μια αυτό αυτή αυτός αυτά αυτές
κ κα κος κυρία κύριος
ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου μαιου ιουνίου ιουλίου αυγούστου σεπτεμβρίου
οκτωβρίου νοεμβρίου δεκεμβρίου ιανουάριος φεβρουάριος μάρτιος απρίλιος μάιος ιούνιος ιούλιος
αύγουστος σεπτέμβριος οκτώβριος νοέμβριος δεκέμβριος
δευτέρα τρίτη τετάρτη πέμπτη παρασκευή σάββατο κυριακή δευτέρας τρίτης τετάρτης πέμπτης
παρασκευής σαββάτου κυριακής
""".split())

_HANDLE_OR_LINK = re.compile(r"@\w+|(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_DIGITS = frozenset(float(d) for d in range(10))
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;…]\s*$|^\s*$")
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)\s*(%)?\s*([^\W\d_]+\.?)?")
_MAGNITUDES = {"thousand": 1e3, "χιλ": 1e3, "χιλιάδες": 1e3, "χιλιάδων": 1e3, "k": 1e3,
               "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6, "εκατ": 1e6, "εκατομμύρια": 1e6,
               "εκατομμυρίων": 1e6, "εκατομμύριο": 1e6,
               "billion": 1e9, "billions": 1e9, "bn": 1e9, "δισ": 1e9, "δισεκατομμύρια": 1e9,
               "δισεκατομμυρίων": 1e9, "δισεκατομμύριο": 1e9}


@dataclass(frozen=True)
class Name:
    text: str      # as written
    latin: str     # transliterate(text)
    key: str       # name_key(text)
    initial: bool  # first word of a sentence: may be a capitalised common word


@dataclass(frozen=True)
class Number:
    text: str                     # as written, with its magnitude word
    values: frozenset[float]      # every reading: both separator conventions, times its magnitude


@dataclass(frozen=True)
class Mentions:
    names: tuple[Name, ...]
    numbers: tuple[Number, ...]


def find_mentions(text: str) -> Mentions:
    """The names (capitalised words, hashtags split at capitals) and numbers of ``text``."""
    text = _HANDLE_OR_LINK.sub(" ", unicodedata.normalize("NFC", text))
    names: dict[str, Name] = {}
    for match in _WORD.finditer(_split_camel_case(text)):
        word = match.group()
        if not word[0].isupper() or len(word) < 2 or word.lower() in _NOT_NAMES:
            continue
        key = name_key(word)
        initial = bool(_SENTENCE_END.search(text[:match.start()].replace("#", "")))
        if len(key) >= 2 and (key not in names or names[key].initial and not initial):
            names[key] = Name(word, transliterate(word), key, initial)
    numbers: dict[frozenset[float], Number] = {}
    for match in _NUMBER.finditer(text):
        word = (match.group(3) or "").lower().rstrip(".")
        magnitude = 1.0 if match.group(2) else _MAGNITUDES.get(word, 1.0)  # 12% is compared as 12
        values = frozenset(v * magnitude for v in _readings(match.group(1)))
        if values <= _DIGITS:  # "6 days", "3 of them": too common to tell events apart
            continue
        written = match.group(1) + (match.group(2) or "") + (f" {match.group(3)}" if magnitude != 1.0 else "")
        numbers.setdefault(values, Number(written, values))
    return Mentions(tuple(names.values()), tuple(numbers.values()))


def _split_camel_case(text: str) -> str:
    """#WildfireAttica -> Wildfire Attica (a hashtag's words are names or words of their own)."""
    return re.sub(r"#(\w+)", lambda m: re.sub(r"(?<=[a-zα-ω])(?=[A-ZΑ-Ω])", " ", m.group(1)), text)


def _readings(digits: str) -> set[float]:
    """7,8 -> {7.8, 78}; 20.000 -> {20000, 20.0}; 1,234.5 -> {1234.5}: both conventions, as no
    single one holds across Greek and English texts."""
    if "." in digits and "," in digits:  # both: the last one is the decimal point
        decimal = max(".,", key=digits.rfind)
        return {float(digits.replace("," if decimal == "." else ".", "").replace(decimal, "."))}
    readings = {float(digits.replace(",", "."))} if digits.count(",") + digits.count(".") == 1 else set()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        readings.add(float(digits.replace(",", "").replace(".", "")))
    return readings or {float(digits)}


@dataclass(frozen=True)
class MentionMatch:
    """What a tweet and a statement say alike: names and numbers both mention, and whether they
    clash (each names or numbers something, and nothing is shared)."""

    names: tuple[tuple[str, str], ...]    # (as the tweet writes it, as the statement does)
    numbers: tuple[tuple[str, str], ...]
    clash: bool

    @property
    def shared(self) -> bool:
        return bool(self.names or self.numbers)


# Two keys name the same thing at this rapidfuzz ratio of their transliterations or above
# (Ηράκλειο / Heraklion; docs/decisions.md has what it changes).
SAME_NAME = 80.0


def compare(tweet: Mentions, statement: Mentions) -> MentionMatch:
    names = tuple((a.text, b.text) for a in tweet.names for b in statement.names
                  if a.key == b.key or ratio(a.latin, b.latin) >= SAME_NAME)
    numbers = tuple((a.text, b.text) for a in tweet.numbers for b in statement.numbers if a.values & b.values)
    # a sentence's first word may be a capitalised common word: it can be shared, never clash
    named = any(not n.initial for n in tweet.names) and any(not n.initial for n in statement.names)
    counted = bool(tweet.numbers) and bool(statement.numbers)
    return MentionMatch(names, numbers, clash=not (names or numbers) and (named or counted))
