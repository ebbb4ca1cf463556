import pickle
from pathlib import Path

import pytest

from helpdesk.indexing import build_schema
from helpdesk.textanalysis import (
    FunctionTokenizer,
    bigrams,
    detect_language,
    fold_romaji,
    ja_terms,
    kana_to_romaji,
    latin_words,
    normalize,
    reading,
    romaji_terms,
)


@pytest.mark.parametrize("typed", ["kankouju", "kankoju", "kankōju", "KANKOUJU", "kankôju", "ｋａｎｋｏｕｊｕ"])
def test_romaji_spellings_of_kankouju_meet(typed):
    words = latin_words(typed)
    assert [fold_romaji(w) for w in words] == [fold_romaji("kankouju")]


def test_romaji_of_japanese_term_matches_typed_romaji():
    assert fold_romaji("kankouju") in romaji_terms("官公需")
    assert fold_romaji("keishin") in romaji_terms("経審")
    assert fold_romaji("keisin") == fold_romaji("keishin")          # Kunrei spelling
    assert fold_romaji("oosaka") == fold_romaji("osaka")


def test_kana_query_reading_matches_kanji_reading():
    assert reading("けいしん") == reading("経審") == "ケイシン"
    assert set(bigrams(reading("かんこうじゅ"))) <= set(bigrams(reading("官公需")))
    assert kana_to_romaji("ケイシン") == fold_romaji("keishin")


def test_full_width_input_is_normalised():
    assert normalize("ＤＭＰ　とは") == "dmp とは"
    assert ja_terms("ﾊﾟｽﾜｰﾄﾞ") == ja_terms("パスワード")


def test_japanese_terms_drop_particles_and_keep_subwords():
    terms = ja_terms("経営事項審査の有効期限はいつまでですか")
    assert "経営事項審査" in terms and "審査" in terms and "有効期限" in terms
    assert "の" not in terms and "です" not in terms


def test_script_detection():
    assert detect_language("経審とは") == "ja"
    assert detect_language("keishin yukou kikan") == "en"
    assert detect_language("What is DMP?") == "en"


def test_control_characters_are_removed():
    assert normalize("kei\u200bshin\x07") == "keishin"


def test_analyzer_survives_pickling_without_sudachi_state():
    tokenizer = FunctionTokenizer("ja")
    state = tokenizer.__getstate__()
    assert state == {"function_name": "ja"}
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert [t.text for t in clone("経審の有効期間")] == [t.text for t in tokenizer("経審の有効期間")]
    schema = pickle.loads(pickle.dumps(build_schema()))
    assert [t.text for t in schema["romaji"].analyzer("官公需")] == ["kankoju"]


def test_readings_convert_without_loading_the_kanji_dictionary():
    """Readings are kana: pykakasi's kanji dictionary (≈120 MB per process) must stay unloaded,
    and a kanji, should one come, still converts as pykakasi does."""
    import subprocess
    import sys

    code = (
        "from helpdesk.textanalysis import kana_to_romaji\n"
        "from pykakasi.kanji import Kanwa\n"
        "print(kana_to_romaji('ケイエイジコウシンサ'), Kanwa._shared_state['_jisyo_table'] is None)\n"
        "print(kana_to_romaji('経審'), Kanwa._shared_state['_jisyo_table'] is None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.split("\n")
    assert out[0] == "keejikoshinsa True"
    assert out[1] == "keshin False"
