"""The loader reports every problem with file and line; `kb build` refuses a broken base."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from helpdesk.indexing import build_index, current_generation
from helpdesk.knowledge import errors_in, load_knowledge, load_valid_knowledge

from .conftest import FIXTURE_KB, make_app

TODAY = dt.date(2026, 11, 22)


@pytest.fixture()
def kb_dir(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


def entry_file(kb_dir: Path, topic="keishin", entry_id="keishin-validity") -> Path:
    return kb_dir / "entries" / topic / f"{entry_id}.md"


def problems_for(kb_dir, today=TODAY):
    return load_knowledge(kb_dir, today=today)[1]


def test_fixture_knowledge_is_valid(kb_dir):
    assert errors_in(problems_for(kb_dir)) == []


def test_yaml_syntax_error_reports_file_and_line(kb_dir):
    path = entry_file(kb_dir)
    lines = path.read_text().splitlines()
    lines[4] = "title: [unclosed"
    path.write_text("\n".join(lines) + "\n")
    errors = errors_in(problems_for(kb_dir))
    assert len(errors) == 1
    assert errors[0].path.endswith("keishin-validity.md")
    assert errors[0].line in (5, 6)
    assert "YAML" in errors[0].message


def test_missing_japanese_title_is_reported_on_its_line(kb_dir):
    path = entry_file(kb_dir)
    text = path.read_text().replace("  ja: 経審の有効期間\n", "")
    path.write_text(text)
    errors = errors_in(problems_for(kb_dir))
    assert [(e.line, e.message) for e in errors] == [(5, "'title.ja' is missing")]


def test_missing_answer_section_and_sources(kb_dir):
    path = entry_file(kb_dir)
    text = path.read_text()
    text = text.replace("[ja]\n経審の有効期間は審査基準日から1年7か月です。\n", "")
    text = text.replace("sources:\n  - title: Test source\n    url: https://example.org/validity\n", "")
    path.write_text(text)
    messages = [e.message for e in errors_in(problems_for(kb_dir))]
    assert any("[ja]" in m for m in messages)
    assert any("sources" in m for m in messages)


def test_unknown_related_id_and_broken_entry_link(kb_dir):
    path = entry_file(kb_dir)
    text = path.read_text().replace("related: [keishin-what-is]", "related: [keishin-what-is, no-such-entry]")
    text = text.replace("(entry:keishin-what-is)", "(entry:missing-entry)")
    path.write_text(text)
    errors = errors_in(problems_for(kb_dir))
    by_message = {e.message: e.line for e in errors}
    related_line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith("related:"))
    assert by_message["related id 'no-such-entry' does not exist"] == related_line
    link_line = [ln for m, ln in by_message.items() if "missing-entry" in m]
    assert link_line and path.read_text().splitlines()[link_line[0] - 1].count("missing-entry") == 1


def test_dates_future_is_error_and_old_is_warning(kb_dir):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("reviewed: 2026-11-01", "reviewed: 2027-01-01"))
    assert any("future" in e.message for e in errors_in(problems_for(kb_dir)))
    path.write_text(path.read_text().replace("reviewed: 2027-01-01", "reviewed: 2025-01-01"))
    problems = problems_for(kb_dir)
    assert errors_in(problems) == []
    assert any(p.severity == "warning" and "12 months" in p.message and p.line == 4 for p in problems)


def test_id_must_match_file_and_topic_folder(kb_dir):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("topic: keishin", "topic: kankouju"))
    messages = [e.message for e in errors_in(problems_for(kb_dir))]
    assert any("does not match the folder" in m for m in messages)
    bad = entry_file(kb_dir, "keishin", "copy")
    bad.write_text(entry_file(kb_dir, "keishin", "keishin-what-is").read_text())
    assert any("must equal the file name" in e.message for e in errors_in(problems_for(kb_dir)))


def test_source_url_must_be_a_web_address(kb_dir):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("https://example.org/validity", "javascript:alert(1)"))
    assert any("not a web address" in e.message for e in errors_in(problems_for(kb_dir)))


def test_kb_check_cli_reports_and_exits_nonzero(kb_dir, tmp_path):
    app = make_app(kb_dir, tmp_path / "ix")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["kb", "check"])
    assert ok.exit_code == 0 and "OK: 5 entries" in ok.output
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("related: [keishin-what-is]", "related: [nope]"))
    bad = runner.invoke(args=["kb", "check"])
    assert bad.exit_code == 1
    assert "keishin-validity.md:22: error: related id 'nope' does not exist" in bad.output


def test_kb_build_refuses_broken_base_and_keeps_serving_index(kb_dir, tmp_path):
    index_dir = tmp_path / "ix"
    app = make_app(kb_dir, index_dir)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kb", "build"]).exit_code == 0
    serving = current_generation(index_dir)
    client = app.test_client()
    assert client.get("/api/ask", query_string={"q": "keishin"}).get_json()["answered"] is True

    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("title:", "title: [broken", 1))
    result = runner.invoke(args=["kb", "build"])
    assert result.exit_code == 1 and "Not built" in result.output
    assert current_generation(index_dir) == serving
    assert client.get("/api/ask", query_string={"q": "keishin"}).get_json()["answered"] is True


def test_load_valid_knowledge_raises_with_all_problems(kb_dir):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace("topic: keishin", "topic: nonsense"))
    with pytest.raises(Exception) as info:
        load_valid_knowledge(kb_dir, today=TODAY)
    assert "topic" in str(info.value)


def test_rebuilt_index_is_served_without_restart(kb_dir, tmp_path):
    index_dir = tmp_path / "ix"
    build_index(load_valid_knowledge(kb_dir, today=TODAY), index_dir)
    app = make_app(kb_dir, index_dir, INDEX_CHECK_INTERVAL=0.0)
    client = app.test_client()
    first = client.get("/healthz").get_json()
    assert first["entries"] == 5
    new = entry_file(kb_dir, "general", "general-extra")
    new.write_text(entry_file(kb_dir, "general", "general-about-assistant").read_text()
                   .replace("id: general-about-assistant", "id: general-extra")
                   .replace("Who are you?", "Do you cover tenders for bridges in Atlantis?"))
    build_index(load_valid_knowledge(kb_dir, today=TODAY), index_dir)
    second = client.get("/healthz").get_json()
    assert second["entries"] == 6 and second["generation"] != first["generation"]
    answer = client.get("/api/ask", query_string={"q": "bridges in Atlantis"}).get_json()
    assert answer["answers"][0]["id"] == "general-extra"


def test_unreadable_generation_keeps_last_good_one(kb_dir, tmp_path):
    index_dir = tmp_path / "ix"
    build_index(load_valid_knowledge(kb_dir, today=TODAY), index_dir)
    app = make_app(kb_dir, index_dir, INDEX_CHECK_INTERVAL=0.0)
    client = app.test_client()
    good = client.get("/healthz").get_json()["generation"]
    (index_dir / "gen-broken").mkdir()
    (index_dir / "CURRENT").write_text("gen-broken\n")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["generation"] == good
    assert client.get("/api/ask", query_string={"q": "keishin"}).status_code == 200


SOURCE_BLOCK = "sources:\n  - title: Test source\n    url: https://example.org/validity\n"


@pytest.mark.parametrize("replacement, complaint", [
    ("sources:\n  - title: Test source\n    document: full web address not recorded\n", "'document' is not used"),
    ("sources:\n  - title: Test source\n    url: full web address not recorded\n", "not a web address"),
    ("sources:\n  - title: Test source\n    url: ftp://example.org/x\n", "not a web address"),
    ("sources:\n  - title: A law\n    url: null\n", "full citation"),
    ("sources:\n  - title: Test source\n", "needs a 'url'"),
])
def test_a_source_is_an_address_or_a_full_citation(kb_dir, replacement, complaint):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace(SOURCE_BLOCK, replacement))
    assert any(complaint in e.message for e in errors_in(problems_for(kb_dir)))


def test_a_document_without_address_cited_in_full_is_accepted(kb_dir):
    path = entry_file(kb_dir)
    citation = "sources:\n  - title: Construction Business Act (Act No. 100 of 1949), Article 27-23\n    url: null\n"
    path.write_text(path.read_text().replace(SOURCE_BLOCK, citation))
    assert errors_in(problems_for(kb_dir)) == []


def test_fewer_than_four_questions_is_an_error(kb_dir):
    path = entry_file(kb_dir)
    text = path.read_text()
    path.write_text(text.replace("    - keishin yukou kikan\n", "").replace("    - When does keishin expire?\n", ""))
    assert any("at least 4" in e.message for e in errors_in(problems_for(kb_dir)))


def test_glossary_term_needs_a_source_and_an_entry_that_mentions_it(kb_dir):
    glossary = kb_dir / "glossary.yaml"
    text = glossary.read_text()
    glossary.write_text(text.replace("    sources:\n      - title: Test glossary source\n"
                                     "        url: https://example.org/yotei-kakaku\n", ""))
    assert any("'sources'" in e.message and e.path.endswith("glossary.yaml") for e in errors_in(problems_for(kb_dir)))
    glossary.write_text(text + "    entry: keishin-validity\n")
    errors = errors_in(problems_for(kb_dir))
    assert any("never mentions it" in e.message for e in errors)


def test_word_list_files_report_bad_items_with_their_line(kb_dir):
    (kb_dir / "light_words.yaml").write_text("en:\n  - what\n  - no\n  - two words\nromaji: x\n"
                                             "ja:\n  - 可能\n  - 二つの 言葉\n")
    (kb_dir / "out_of_scope.yaml").write_text("en:\n  - Visa\n  - ''\nja:\n  - ビザ\n")
    kb, problems = load_knowledge(kb_dir, TODAY)
    by_file = {(Path(p.path).name, p.line): p.message for p in errors_in(problems)}
    assert "quotes" in by_file[("light_words.yaml", 3)]           # YAML read `no` as false
    assert "one lower-case word" in by_file[("light_words.yaml", 4)]
    assert "must be a list" in by_file[("light_words.yaml", 5)]
    assert "one Japanese word" in by_file[("light_words.yaml", 8)]
    assert "not text" in by_file[("out_of_scope.yaml", 3)]
    assert kb.light_words == {"en": ["what"], "ja": ["可能"]} and kb.out_of_scope == {"en": ["visa"], "ja": ["ビザ"]}


def test_domain_words_name_only_existing_synonym_groups(kb_dir):
    (kb_dir / "domain_words.yaml").write_text("en:\n  - tender\n  - Call for Tenders\ngeneric_synonyms:\n"
                                               "  - keishin\n  - no such group\n")
    kb, problems = load_knowledge(kb_dir, TODAY)
    by_file = {(Path(p.path).name, p.line): p.message for p in errors_in(problems)}
    assert "not the first term of a synonyms.yaml group" in by_file[("domain_words.yaml", 6)]
    assert kb.domain_words["en"] == ["call for tenders", "tender"]


def test_a_question_in_two_entries_is_a_warning_with_both_files(kb_dir):
    """Two entries holding the same example question compete for it; staff are told which files,
    and the base still builds (a warning, not an error)."""
    assert not [p for p in problems_for(kb_dir) if "also in" in p.message]
    path = entry_file(kb_dir, entry_id="keishin-what-is")
    text = path.read_text()
    path.write_text(text.replace("questions:\n  en:\n", "questions:\n  en:\n    - How long is Keishin valid\n", 1))
    problems = problems_for(kb_dir)
    shared = [p for p in problems if "also in" in p.message]
    assert len(shared) == 1 and shared[0].severity == "warning"
    assert "keishin-validity.md" in shared[0].message + shared[0].path
    assert "keishin-what-is.md" in shared[0].message + shared[0].path
    assert errors_in(problems) == []


def test_a_search_engines_cached_copy_as_source_is_a_warning(kb_dir):
    path = entry_file(kb_dir)
    path.write_text(path.read_text().replace(
        "url: https://example.org/validity", "url: https://www-pref-nara-jp.cache.yimg.jp/dd.aspx?menuid=4336"))
    problems = problems_for(kb_dir)
    cached = [p for p in problems if "cached copy" in p.message]
    assert len(cached) == 1 and cached[0].severity == "warning" and cached[0].line == 25
    assert errors_in(problems) == []
