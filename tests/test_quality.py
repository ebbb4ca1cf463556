"""Answer quality on question sets, on the real knowledge base. Prints the figures (-s or -rA)."""

from pathlib import Path

import pytest

from helpdesk.evaluation import evaluate, format_scores, load_questions

ROOT = Path(__file__).resolve().parent.parent
SHARED_SET = ROOT.parent / "shared" / "eval" / "questions.yaml"
OWN_SET = Path(__file__).parent / "eval" / "questions_own.yaml"


def run(real_client, path):
    def ask(q, lang):
        response = real_client.get("/api/ask", query_string={"q": q, "lang": lang})
        assert response.status_code == 200, (q, response.status_code)
        return response.get_json()

    return evaluate(ask, load_questions(path))


def run_items(real_client, items):
    def ask(q, lang):
        return real_client.get("/api/ask", query_string={"q": q, "lang": lang}).get_json()

    return evaluate(ask, items)


def report(name, result):
    print("\n" + format_scores(name, result))
    for failure in result["failures"]:
        print("  MISS", failure)


@pytest.mark.skipif(not SHARED_SET.exists(), reason="shared/eval/questions.yaml is not beside the repository")
def test_shared_question_set_quality(real_client):
    result = run(real_client, SHARED_SET)
    report("shared set", result)
    for lang, scores in result["scores"].items():
        assert scores["topic@1"] >= 0.90, f"topic@1 {lang} below 90%"
        if scores["fact@3"] is not None:
            assert scores["fact@3"] >= 0.90, f"fact@3 {lang} below 90%"


def test_own_question_set_quality(real_client):
    items = load_questions(OWN_SET)
    assert len(items) >= 150
    result = run(real_client, OWN_SET)
    report("own set", result)
    assert result["scores"]["all"]["topic@1"] >= 0.95
    for lang in ("en", "ja"):
        assert result["scores"][lang]["topic@1"] >= 0.90, f"topic@1 {lang} below 90%"


HOLDOUT_SETS = ["questions_holdout.yaml", "questions_holdout2.yaml", "questions_long_dev.yaml"]


@pytest.mark.parametrize("name", HOLDOUT_SETS)
def test_holdout_question_set_quality(real_client, name):
    """Written independently of the knowledge base and of questions_own.yaml, to watch how well
    answers generalise; its floor is lower because its questions were never used for tuning
    the knowledge content."""
    result = run(real_client, Path(__file__).parent / "eval" / name)
    report(name, result)
    assert result["scores"]["all"]["topic@1"] >= 0.85


# Real questions gathered from public FAQ pages and Q&A sites (each item names its page).
# questions_real_dev.yaml was used to develop the rules and knowledge; questions_real_holdout.yaml
# was measured once as a holdout and then used for development too (its figure at that moment is
# in the README); questions_real_holdout_b/_c/_d.yaml were each measured once and then used to
# choose what to build next; questions_real_holdout_e.yaml was measured once, at the end of the
# round that added it, and used for development in the next; questions_real_holdout_f/_g.yaml were
# measured once, at the end of that round, and their failures chose knowledge; questions_real_
# holdout_h.yaml was measured once after that, and its failures chose knowledge in the next round;
# questions_real_holdout_i/_j.yaml were measured once, at the end of that round, and used for
# development in the next; questions_real_holdout_k/_l.yaml were measured once in the middle of that
# next round (by mistake, an experiment script's file pattern took them in) and used for
# development from then on; questions_real_holdout_m/_n.yaml were measured once after that, and
# their failures chose seven entries (PFI, design-build, insolvent bidders, accessibility, ISO,
# single bids, social insurance). Those entries cost I, J and K a few joint-review and SME questions
# that a general entry now answers first (I ja 82.5 → 77.5 %, J en 80 → 74 %, K ja 74.5 → 68.1 %)
# and raised B, C, H, L, M and N; the floors follow. questions_real_holdout_o.yaml (23 items) was
# measured once, at the very end of that round. questions_real_holdout_p.yaml (90 items) was
# gathered in the next round and measured once, after that round's knowledge and engine changes
# (en 75.6 %, ja 77.8 % topic@1); then it was used for development (PFI as a domain word).
# questions_real_holdout_q.yaml (55 items) was gathered after that and measured once, unread, at the
# round's last commit (en 76.5 %, ja 76.2 %). questions_real_holdout_r.yaml (74 items) was measured
# once, unread, in the round after (en 54.5 %, ja 83.3 %); questions_real_holdout_s.yaml (61 items,
# the English half mostly parliamentary written questions) once, unread, with `kb measure` in the
# next (on-topic items: en 41.7 %, ja 64.0 %); both were used for development afterwards. Floors
# are below the measured figures, so a regression fails the build.
REAL_SETS = {
    "questions_real_dev.yaml": {"en": 0.85, "ja": 0.88},
    "questions_real_holdout.yaml": {"en": 0.80, "ja": 0.92},
    "questions_real_holdout_b.yaml": {"en": 0.85, "ja": 0.92},
    "questions_real_holdout_c.yaml": {"en": 0.85, "ja": 0.88},
    "questions_real_holdout_d.yaml": {"en": 0.72, "ja": 0.88},
    "questions_real_holdout_e.yaml": {"en": 0.88, "ja": 0.92},
    "questions_real_holdout_f.yaml": {"en": 0.80, "ja": 0.90},
    "questions_real_holdout_g.yaml": {"en": 0.80, "ja": 0.85},
    "questions_real_holdout_h.yaml": {"en": 0.85, "ja": 0.82},
    "questions_real_holdout_i.yaml": {"en": 0.80, "ja": 0.75},
    "questions_real_holdout_j.yaml": {"en": 0.72, "ja": 0.50},
    "questions_real_holdout_k.yaml": {"ja": 0.72},   # 2 English items only: no English floor
    "questions_real_holdout_l.yaml": {"en": 0.70},   # 1 Japanese (off-topic) item only
    "questions_real_holdout_m.yaml": {"ja": 0.85},   # Japanese only
    "questions_real_holdout_n.yaml": {"en": 0.85},   # 3 Japanese items only: no Japanese floor
    "questions_real_holdout_o.yaml": {"en": 0.55, "ja": 0.85},   # 10 and 13 items
    "questions_real_holdout_p.yaml": {"en": 0.72, "ja": 0.78},
    "questions_real_holdout_q.yaml": {"en": 0.72, "ja": 0.70},   # 34 and 21 items
    "questions_real_holdout_r.yaml": {"en": 0.52, "ja": 0.78},   # 44 and 30 items
    "questions_real_holdout_s.yaml": {"en": 0.45, "ja": 0.62},   # 30 and 31 items
}


@pytest.mark.parametrize("name", sorted(REAL_SETS))
def test_real_question_sets(real_client, name):
    result = run(real_client, Path(__file__).parent / "eval" / name)
    report(name, result)
    for lang, floor in REAL_SETS[name].items():
        assert result["scores"][lang]["topic@1"] >= floor, f"{name}: topic@1 {lang} below {floor:.0%}"


def test_real_off_topic_questions_are_declined(real_client):
    items = [item for name in REAL_SETS for item in load_questions(Path(__file__).parent / "eval" / name)
             if item.get("answered") is False]
    assert len(items) >= 15
    result = run_items(real_client, items)
    # 72 of 87 declined before the domain check; 121 of 127 (F, G and H included) after it; 136 of
    # 148 with I and J, whose off-topic questions (shares "tendered", a flat's repair works, an RFP
    # between companies) were answered 5 of 11 and 1 of 10 times at their measurement, 2026-12-01;
    # 170 of 179 with K, L, M and N (their own: 16 of 16 at measurement, 13 of 15 for M and N);
    # O's 6 were declined 3 times at its measurement (a cloud-certification scheme that is not
    # ISMAP, and an SME tax question); 173 of 185 over all real sets. P's 15: 14 declined at its
    # measurement (a construction-licence office question was answered); subsidies, the Subcontract
    # Act, public land sales, hiring and distributor deals went out of scope in the same round; Q's 12:
    # 10 declined at its measurement (an IPO book-building question, a government-bond question);
    # R's 14: 11 declined at its measurement (a handyman's contractor licence, an R&D tax-credit SME
    # definition, registering for a government surplus-auction site); S's 12: 6 declined at its
    # measurement (franchise law, oral contracts, an IPO, personal insolvency notices, a skilled
    # worker's CCUS registration, a private contract's translation were answered); franchises, oral
    # contracts, handymen, tax credits, personal insolvency, IPOs and buying government bonds went out
    # of scope afterwards; 228 of 238 over all real sets
    assert result["scores"]["all"]["topic@1"] >= 0.95, result["failures"]
