"""The evidence stage: names and numbers across scripts, token agreement, dates, and how the
decision weighs them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import require_shared_data

from aligner.api import align, load_encoder
from aligner.decide.model_check import MIN_ACCURACY, probe_accuracy
from aligner.documents import Document, Statement, Tweet
from aligner.scoring.evidence import CLASH, SHARED, gap_days, log_odds
from aligner.scoring.evidence.mentions import compare, find_mentions, name_key
from aligner.scoring.evidence.tokens import agreement
from aligner.settings import Settings
from embeddings import Encoder


@pytest.mark.parametrize("greek, english", [
    ("Λάρισας", "Larissa"), ("Καραμανλής", "Karamanlis"), ("Δένδιας", "Dendias"), ("Μπάιντεν", "Biden"),
    ("Ντόναλντ", "Donald"), ("Κίνας", "China's"), ("Ιράκ", "Iraq"), ("Ρόσμπι", "Rossby"),
    ("Γουίνφρεϊ", "Winfrey"), ("Ελλάδα", "Greece"), ("ΗΠΑ", "US"), ("Κρήτης", "Crete"),
])
def test_names_match_across_scripts(greek, english):
    match = compare(find_mentions(f"Η είδηση αφορά τον {greek} σήμερα."), find_mentions(f"The news is about {english} today."))
    assert match.names and not match.clash, (name_key(greek), name_key(english))


@pytest.mark.parametrize("greek, english", [
    ("σεισμός 7,8 Ρίχτερ", "a 7.8 magnitude quake"), ("20.000 κάτοικοι", "20,000 residents"),
    ("20.000 κάτοικοι", "20 thousand residents"), ("1,5 εκατ. ευρώ", "1.5 million euros"),
    ("στις 13:00", "at 13:00"), ("ποσοστό 12%", "a 12% share"), ("M5,8", "M5.8"),
])
def test_numbers_match_with_either_separator_and_magnitude(greek, english):
    assert compare(find_mentions(english), find_mentions(greek)).numbers


def test_clash_needs_something_on_both_sides_and_nothing_shared():
    fire_turkey = find_mentions("Wildfire near Izmir forces 300 people to leave their homes")
    fire_attica = find_mentions("Πυρκαγιά στην Πεντέλη, 160 πυροσβέστες στη μάχη με τις φλόγες")
    assert compare(fire_turkey, fire_attica).clash
    assert not compare(find_mentions("a fire spreads quickly tonight"), fire_attica).clash  # nothing named
    # a sentence's capitalised first word is no name to clash on
    assert not compare(find_mentions("Residents were told to leave"), find_mentions("Κάτοικοι απομακρύνθηκαν")).clash
    # single digits are too common to share or clash on
    assert not compare(find_mentions("3 people were hurt"), find_mentions("τραυματίστηκαν 3 άτομα")).numbers
    # handles and links are not names
    assert not find_mentions("@Larissa_news https://t.co/Larissa").names


def test_log_odds_order_and_token_agreement():
    shared = compare(find_mentions("Floods in Larissa"), find_mentions("Πλημμύρες στη Λάρισα"))
    clash = compare(find_mentions("Floods in Volos"), find_mentions("Πλημμύρες στη Λάρισα"))
    nothing = compare(find_mentions("floods again"), find_mentions("πλημμύρες ξανά"))
    assert log_odds(shared, None, None) == SHARED > log_odds(nothing, None, None) == 0 > log_odds(clash, None, None) == CLASH
    assert log_odds(nothing, 0.9, None) > log_odds(nothing, 0.8, None) == 0 > log_odds(nothing, 0.7, None)
    assert log_odds(nothing, None, 30) < log_odds(nothing, None, 3) == 0
    a = np.eye(3, dtype=np.float32)
    assert agreement(a, a) == pytest.approx(1.0) and agreement(a[:1], a[1:]) == pytest.approx(0.0)
    assert np.isnan(agreement(a[:0], a))
    assert gap_days("2024-03-12", "2024-03") == 0 and gap_days("2024-04-12", "2024-03-12") == 31
    assert gap_days(None, "2024-03-12") is None


class Aliased(Encoder):
    """The real model, but some texts are embedded as others: equal vectors, different words."""

    def __init__(self, alias: dict[str, str]) -> None:
        super().__init__()
        self.alias = alias

    @property
    def cache_key(self) -> str:
        return super().cache_key + "/aliased"

    def encode(self, texts, *, show_progress=False, ordered=False):
        return super().encode([self.alias.get(t, t) for t in texts], show_progress=show_progress)

    def token_vectors(self, texts):
        return super().token_vectors([self.alias.get(t, t) for t in texts])


STATEMENT = ("Σεισμός μεγέθους 5,8 Ρίχτερ σημειώθηκε τα ξημερώματα της Τρίτης νότια της Ιεράπετρας, "
             "σύμφωνα με το Γεωδυναμικό Ινστιτούτο.")
OTHER = "Η Περιφέρεια ανακοίνωσε ότι τα σχολεία της περιοχής θα παραμείνουν ανοιχτά κανονικά."
SHARES = "A 5.8 earthquake struck south of Ierapetra before dawn on Tuesday, the Geodynamic Institute said"
CLASHES = "A 6.3 earthquake struck south of Izmir before dawn on Tuesday, the Kandilli Observatory said"


def _article(*tweets: str, dates: tuple[str | None, ...] = ()) -> Document:
    statements = tuple(Statement(id=f"a:p{i}", doc_id="a", text=t, paragraph=i, sentence=0, start=0, end=len(t),
                                 date="2024-03-12") for i, t in enumerate((STATEMENT, OTHER)))
    return Document(id="a", source="a", date="2024-03-12", statements=statements,
                    tweets=tuple(Tweet(id=f"a:t{i}", doc_id="a", text=t, lang="en",
                                       date=dates[i] if i < len(dates) else None) for i, t in enumerate(tweets)))


def test_a_clash_scores_lower_than_a_share_with_equal_vectors():
    encoder = Aliased({CLASHES: SHARES})
    result = align([_article(SHARES, CLASHES)], settings=Settings(include_rejected=True, cache=False), encoder=encoder)
    best = {p.english.text: p for p in result.pairs if p.rank == 1}
    share, clash = best[SHARES], best[CLASHES]
    assert share.greek.text == clash.greek.text == STATEMENT
    assert share.event_margin == pytest.approx(clash.event_margin, abs=1e-6)  # the vectors are the same
    assert share.evidence.mentions.names and share.evidence.mentions.numbers and not share.evidence.mentions.clash
    assert clash.evidence.mentions.clash and not clash.evidence.mentions.shared
    if share.evidence.token_agreement is not None and clash.evidence.token_agreement is not None:
        assert share.evidence.token_agreement == pytest.approx(clash.evidence.token_agreement)
    assert share.event_score > clash.event_score
    # a threshold between them: the shared names and numbers pass, the clash does not
    between = (share.event_score + clash.event_score) / 2
    again = align([_article(SHARES, CLASHES)], settings=Settings(threshold=between, cache=False), encoder=encoder)
    assert [p.english.text for p in again.pairs if p.accepted] == [SHARES]


def test_copies_keep_one_decision_whatever_their_dates(encoder):
    retweet = f"RT @quakes: {SHARES}"
    article = _article(SHARES, retweet, CLASHES, dates=("2024-03-12", "2024-05-30", "2024-03-12"))
    result = align([article], settings=Settings(include_rejected=True), encoder=encoder)
    by_tweet = {p.english.id: p for p in result.pairs if p.rank == 1}
    original, copy = by_tweet["a:t0"], by_tweet["a:t1"]
    assert (original.accepted, original.event_score, original.evidence) == (copy.accepted, copy.event_score,
                                                                            copy.evidence)
    assert original.evidence.date_gap_days == 0
    # alone, the late tweet's date counts against it
    late = align([_article(SHARES, dates=("2024-05-30",))], settings=Settings(include_rejected=True), encoder=encoder)
    assert late.pairs[0].evidence.date_gap_days > 7
    assert late.pairs[0].evidence.log_odds < original.evidence.log_odds


def test_no_true_pairs_give_a_near_empty_output(encoder):
    """Greek newswire against UK MPs' tweets: nothing reports the same event."""
    elner = require_shared_data("elner_greek_news") / "elner4_dev.sentences.el.txt"
    tweets = require_shared_data("mp_tweets_gr_en") / "en_combined.csv"
    result = align(greek=[str(elner)], english=[str(tweets)], encoder=encoder)
    assert result.stats.tweets > 900
    assert sum(p.accepted for p in result.pairs) <= 0.01 * result.stats.tweets, result.stats.summary()


@pytest.mark.slow
def test_a_model_that_knows_nothing_accepts_nothing(tmp_path, encoder):
    """A random-weight model of the default's shape: before the model check, the threshold rule
    found two groups in its noise and accepted most tweets."""
    import torch
    from transformers import BertConfig, BertModel

    folder = tmp_path / "random"
    shutil.copytree(encoder.path, folder, ignore=shutil.ignore_patterns("model.safetensors", "aligner-*"))
    torch.manual_seed(0)
    BertModel(BertConfig.from_pretrained(encoder.path)).save_pretrained(folder)
    random = load_encoder(str(folder), None, "torch")
    assert probe_accuracy(random) < MIN_ACCURACY <= probe_accuracy(encoder)
    result = align(["examples/"], settings=Settings(cache=False), encoder=random)
    assert not any(p.accepted for p in result.pairs)
    assert result.stats.threshold.rule == "model_check" and "probe translations" in result.stats.threshold.reason


def test_both_backends_give_the_same_token_vectors(encoder):
    """Token agreement does not depend on the backend: the same tokens, prompt and special tokens
    left out, the same vectors (fp32)."""
    texts = ["Σεισμός 5,8 Ρίχτερ νότια της Ιεράπετρας", "A strong M5.8 earthquake struck off Crete"]
    ctranslate2 = Encoder(backend="ctranslate2", precision="fp32").token_vectors(texts)
    torch = Encoder(backend="torch").token_vectors(texts)
    for a, b, text in zip(ctranslate2, torch, texts):
        assert a.shape == b.shape and len(a) == len(encoder.tokenizer.encode(text, add_special_tokens=False).ids)
        assert np.min(np.sum(a * b, axis=1)) > 0.999
