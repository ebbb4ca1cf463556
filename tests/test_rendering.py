"""Plain-text answers (JSON API) stay readable: tables, lists and links survive."""

from helpdesk.rendering import to_text

TABLE = """| Part | Meaning | Weight |
|---|---|---|
| X1 | Average annual completed works | 25 % |
| Y | Business situation | 20 % |
"""


def test_a_table_becomes_one_line_per_row():
    lines = to_text(TABLE).splitlines()
    assert lines == ["Part — Meaning — Weight", "X1 — Average annual completed works — 25 %",
                     "Y — Business situation — 20 %"]


def test_lists_keep_their_bullets_and_numbers():
    text = to_text("Steps:\n\n1. Get the licence\n2. Apply\n   - online\n   - on paper\n\n- one\n- two")
    assert "1. Get the licence" in text and "2. Apply" in text
    assert "  • online" in text and "  • on paper" in text
    assert "• one\n• two" in text


def test_links_keep_their_target():
    text = to_text("See [the portal](https://www.kkj.go.jp/s/), [validity](entry:keishin-validity) "
                   "and the [calculator](/calculator).", "ja")
    assert "the portal (https://www.kkj.go.jp/s/)" in text
    assert "validity (/entry/keishin-validity?lang=ja)" in text
    assert "calculator (/calculator)" in text


def test_a_bare_address_is_not_repeated():
    assert to_text("<https://www.kkj.go.jp/s/>") == "https://www.kkj.go.jp/s/"


def test_markup_and_html_do_not_leak_into_plain_text():
    assert to_text("**A** and <script>x</script>") == "A and <script>x</script>"
    assert to_text("業種ごとに**総合評定値（P点）**という") == "業種ごとに総合評定値（P点）という"


def test_api_answer_text_is_plain(client):
    answer = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["answers"][0]["answer"]
    assert "**" not in answer and "<" not in answer and "](" not in answer
