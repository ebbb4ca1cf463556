"""Spelling help never changes a correctly spelled word, and still catches real typos."""

from pathlib import Path

import pytest

from helpdesk.deciding import decide
from helpdesk.spelling import looks_like_romaji

WORDS_FILE = Path(__file__).parent / "data" / "common_english_words.txt"
COMMON_WORDS = [w for line in WORDS_FILE.read_text(encoding="utf-8").splitlines()
                if not line.startswith("#") for w in line.split()]
TEMPLATES = ["What about {} in public tenders?", "{} keishin", "Is {} needed for the Digital Marketplace?"]


@pytest.fixture(scope="module")
def real_engine(real_app):
    return real_app.extensions["engine_store"].current()


def test_the_word_list_is_large_enough():
    assert len(COMMON_WORDS) >= 300


def test_no_correctly_spelled_english_word_is_changed(real_engine):
    changed = {}
    for i, word in enumerate(COMMON_WORDS):
        question = TEMPLATES[i % len(TEMPLATES)].format(word)
        analysis = decide(real_engine, question).analysis
        if analysis.corrections or analysis.did_you_mean:
            changed[question] = analysis.did_you_mean
    assert changed == {}


@pytest.mark.parametrize("typed, meant", [
    ("goverment procurment", "government procurement"),
    ("kesihin", "keishin"),
    ("keishin validty", "keishin validity"),
    ("digtal marketplace", "digital marketplace"),
])
def test_typos_get_a_did_you_mean(real_engine, typed, meant):
    assert decide(real_engine, typed).analysis.did_you_mean == meant


def test_a_romaji_word_two_edits_from_a_term_is_left_alone(real_engine):
    # keisan (計算, "calculation") is Japanese, not a typo of keishin
    assert decide(real_engine, "keisan of P score").analysis.did_you_mean is None


def test_romaji_shape():
    assert looks_like_romaji("keisan") and looks_like_romaji("kesihin") and looks_like_romaji("nyuusatsu")
    assert not looks_like_romaji("procurment") and not looks_like_romaji("qualifcation")
