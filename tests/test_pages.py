"""Server-rendered pages: work without JavaScript, escape user text, bilingual UI, headers."""

import re

import pytest


def test_home_page_has_labelled_form_and_live_regions(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<label for="q">Your question</label>' in html
    assert 'role="log"' in html and 'role="status"' in html
    assert 'action="/"' in html and 'method="get"' in html


def test_question_without_javascript_renders_answer_with_sources(client):
    html = client.get("/", query_string={"q": "What is keishin?", "lang": "en"}).get_data(as_text=True)
    assert "What is keishin (Business Matters Evaluation)?" in html
    assert 'href="https://example.org/keishin"' in html
    assert "Calculate your P score" in html
    assert "1 answer found." in html or "answers found." in html


def test_user_text_is_escaped(client):
    html = client.get("/", query_string={"q": "<img src=x onerror=alert(1)>keishin"}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;keishin" in html


def test_answer_markdown_is_sanitised(client):
    html = client.get("/entry/kankouju-what-is?lang=en").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "1966 Act" in html


def test_entry_links_become_entry_pages(client):
    html = client.get("/entry/keishin-validity?lang=en").get_data(as_text=True)
    assert 'href="/entry/keishin-what-is?lang=en"' in html
    assert "Reviewed on" in html and "2026-11-01" in html


def test_japanese_ui_from_url_and_accept_language(client):
    html = client.get("/?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html and "質問する" in html
    html = client.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ja">' in html
    html = client.get("/?lang=en", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_language_switch_keeps_the_question(client):
    html = client.get("/", query_string={"q": "keishin", "lang": "en"}).get_data(as_text=True)
    link = re.search(r'class="lang-switch"[^>]*href="([^"]+)"', html).group(1)
    assert "q=keishin" in link and "lang=ja" in link


def test_no_answer_page_offers_contacts(client):
    html = client.get("/", query_string={"q": "What is the capital of France?", "lang": "en"}).get_data(as_text=True)
    assert "no reliable answer" in html and "https://www.chuokai.or.jp/" in html


def test_blank_question_page_says_why_with_400(client):
    response = client.get("/", query_string={"q": "  "})
    assert response.status_code == 400
    assert "empty" in response.get_data(as_text=True)


def test_fragment_returns_only_the_turn(client):
    html = client.get("/", query_string={"q": "keishin", "fragment": "1"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section class="turn"') and "<html" not in html


def test_unknown_entry_is_404_page(client):
    response = client.get("/entry/nope")
    assert response.status_code == 404 and "There is no entry" in response.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    for path in ("/", "/entry/keishin-what-is", "/api/ask?q=keishin", "/healthz", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp and headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] and "camera=()" in headers["Permissions-Policy"]


def test_widget_frame_ancestors_follow_the_partner_allow_list(client):
    headers = client.get("/widget?partner=demo-chamber").headers
    assert headers["Content-Security-Policy"].endswith("frame-ancestors 'self' https://partner.example")
    assert "X-Frame-Options" not in headers
    unknown = client.get("/widget?partner=evil")
    # An unknown key gets an explanation that any page may frame: it holds no form, only the message.
    assert unknown.status_code == 404 and unknown.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    html = unknown.get_data(as_text=True)
    assert "The partner key “evil” is not known" in html and 'id="q"' not in html and "localhost" in html
    assert "X-Frame-Options" not in unknown.headers


def test_widget_framed_by_a_site_the_key_does_not_allow_explains_why(client):
    framed = {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/page"}
    response = client.get("/widget?partner=demo-chamber", headers=framed)
    assert response.status_code == 403 and response.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    html = response.get_data(as_text=True)
    assert "https://evil.example" in html and "not on the allow-list" in html and 'id="q"' not in html
    allowed = dict(framed, Referer="https://partner.example/")
    response = client.get("/widget?partner=demo-chamber", headers=allowed)
    assert response.status_code == 200 and 'id="q"' in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'self' https://partner.example")
    own = dict(framed, Referer="http://localhost/embed?key=demo-chamber", **{"Sec-Fetch-Site": "same-origin"})
    assert client.get("/widget?partner=demo-chamber", headers=own).status_code == 200   # the embed page's preview


def test_pages_set_no_cookies(client):
    for path in ("/", "/widget", "/?q=keishin", "/api/ask?q=keishin"):
        assert "Set-Cookie" not in client.get(path).headers


def test_no_inline_scripts_in_pages(client):
    html = client.get("/", query_string={"q": "keishin"}).get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " on" not in re.sub(r'"[^"]*"', '""', " ".join(re.findall(r"<[a-z][^>]*>", html))).replace(" one", "")


def test_desk_finder_in_any_script(client):
    for q in ("Osaka", "大阪", "大阪府", "oosaka", "おおさか", "OSAKA-FU"):
        html = client.get("/centres", query_string={"q": q, "lang": "en"}).get_data(as_text=True)
        assert 'id="centre-27"' in html and "06-6947-4371" in html, q
        assert 'id="centre-11"' not in html
    html = client.get("/centres", query_string={"q": "Atlantis", "lang": "en"}).get_data(as_text=True)
    assert "No prefecture or region matches" in html


def test_unconfirmed_desk_points_to_national_centre(client):
    html = client.get("/centres", query_string={"q": "Saitama", "lang": "en"}).get_data(as_text=True)
    assert "Not confirmed" in html and 'href="#national"' in html
    ja = client.get("/centres", query_string={"q": "Saitama", "lang": "ja"}).get_data(as_text=True)
    assert "未確認" in ja and "全国中央会" in ja


def test_each_desk_says_how_far_it_is_confirmed_and_the_source_date(client):
    html = client.get("/centres", query_string={"q": "Osaka", "lang": "en"}).get_data(as_text=True)
    assert "Confirmed from an official or chuokai page dated 2024-05-14" in html
    assert "+81-6-6947-4371" in html and 'href="tel:+81-6-6947-4371"' in html
    assert "Only confirmed contact details are shown" not in html and "Last confirmed" not in html
    everything = client.get("/centres", query_string={"lang": "en"}).get_data(as_text=True)
    assert everything.count("please contact the national centre") == 0   # said once, in the intro


@pytest.mark.parametrize("centre, level", [
    ({"status": "confirmed", "phone": "06-1", "as_of": "2024-05-14"}, "confirmed"),
    ({"status": "stale", "phone": "03-1", "as_of": "2014"}, "dated"),
    ({"status": "partial", "url": "https://x.example/", "as_of": ""}, "partial"),
    ({"status": "partial", "phone": "", "url": ""}, "unconfirmed"),   # nothing to show: not confirmed
    ({"status": "unconfirmed"}, "unconfirmed"),
])
def test_desk_status_levels(centre, level):
    from helpdesk.directories import desk_status

    assert desk_status(centre)["level"] == level


def test_international_phone_format():
    from helpdesk.directories import international_phone

    assert international_phone("097-506-6331") == "+81-97-506-6331"
    assert international_phone("03-3523-4901") == "+81-3-3523-4901"
    assert international_phone("") == ""


def test_desk_answer_in_the_api_gives_status_and_international_phone(client):
    data = client.get("/api/ask", query_string={"q": "consultancy desk in Osaka"}).get_json()
    card = next(a for a in data["answers"] if a["id"] == "centre-27")
    assert "Status: Confirmed from an official or chuokai page (source dated 2024-05-14)" in card["answer"]
    assert "(+81-6-6947-4371)" in card["answer"]


def test_centres_api(client):
    data = client.get("/api/centres", query_string={"q": "oosaka"}).get_json()
    assert data["count"] == 1 and data["centres"][0]["code"] == "27"
    assert data["centres"][0]["sources"][0]["url"].startswith("https://")
    assert client.get("/api/centres").get_json()["count"] == 2
    assert client.get("/api/centres", query_string={"q": "x" * 101}).status_code == 400


def test_glossary_search(client):
    for q in ("yotei", "予定", "よていかかく", "ceiling"):
        html = client.get("/glossary", query_string={"q": q, "lang": "en"}).get_data(as_text=True)
        assert "予定価格" in html, q
    assert "1 term." in client.get("/glossary?q=yotei+kakaku&lang=en").get_data(as_text=True)


def test_embed_page_shows_snippets_with_title(client):
    html = client.get("/embed?lang=en").get_data(as_text=True)
    assert "&lt;iframe src=" in html and "title=" in html and "/embed.js" in html and "data-partner" in html


def test_embed_loader_checks_origin_and_source(client):
    with client.get("/embed.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        script = response.get_data(as_text=True)
    assert "event.origin !== widgetOrigin" in script and "event.source !== iframe.contentWindow" in script
    assert '"*"' not in script


def test_widget_sends_resize_messages_only_to_an_allowed_origin(client):
    allowed = client.get("/widget?partner=demo-chamber&origin=https://partner.example").get_data(as_text=True)
    assert 'data-parent-origin="https://partner.example"' in allowed
    stranger = client.get("/widget?partner=demo-chamber&origin=https://evil.example").get_data(as_text=True)
    assert "data-parent-origin" not in stranger
    assert "data-parent-origin" not in client.get("/widget?origin=https://partner.example").get_data(as_text=True)


def test_markdown_bold_next_to_japanese_punctuation_renders():
    from helpdesk.rendering import to_html, to_text

    html = to_html("業種ごとに**総合評定値（P点）**という点数", "ja")
    assert "<strong>総合評定値（P点）</strong>という" in html and "**" not in html
    assert to_text("**A** and <script>x</script>") == "A and <script>x</script>"
    assert "<script>" not in to_html("**<script>alert(1)</script>**", "en")


def test_widget_uses_the_partner_default_language_unless_the_url_says(client):
    html = client.get("/widget?partner=demo-chamber", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    html = client.get("/widget?partner=demo-chamber&lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html
    html = client.get("/widget", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="ja">' in html


def test_partner_accent_colour_as_css(client):
    css = client.get("/widget/theme.css?partner=demo-chamber")
    assert css.mimetype == "text/css" and "--accent: #0b5394" in css.get_data(as_text=True)
    assert client.get("/widget/theme.css?partner=nobody").get_data(as_text=True) == ""
    assert '/widget/theme.css?partner=demo-chamber' in client.get("/widget?partner=demo-chamber").get_data(as_text=True)


def test_error_messages_follow_the_ui_language(client):
    html = client.get("/", query_string={"q": " ", "lang": "ja"}).get_data(as_text=True)
    assert "質問を入力してください" in html
    assert "empty" in client.get("/api/ask", query_string={"q": " "}).get_json()["error"]


@pytest.mark.parametrize("q, count", [("Kansai", 7), ("近畿", 7), ("Tohoku", 6), ("九州", 8), ("Tokio", 1),
                                      ("hokaido", 1), ("Osaca", 1), ("Kioto", 1), ("Nagasakki", 1)])
def test_desk_finder_regions_and_other_spellings(real_client, q, count):
    data = real_client.get("/api/centres", query_string={"q": q}).get_json()
    assert data["count"] == count, q


def test_regions_file_covers_every_prefecture_once(tmp_path):
    from helpdesk.config import ROOT
    from helpdesk.knowledge import load_knowledge

    _, problems = load_knowledge(ROOT / "knowledge")
    assert not [p for p in problems if "regions.yaml" in p.path]


@pytest.mark.parametrize("q", ["reserve price", "reserve prices", "price reserve", "Reserve  Price", "ceiling"])
def test_glossary_matches_words_of_english_terms(real_client, q):
    html = real_client.get("/glossary", query_string={"q": q, "lang": "en"}).get_data(as_text=True)
    assert "予定価格" in html, q


def test_empty_page_has_examples_and_topics_that_ask(client):
    html = client.get("/?lang=ja").get_data(as_text=True)
    assert html.count('class="ask-link"') == 5 and html.count('class="ask-link topic-') == 4
    assert "q=%E7%B5%8C%E5%AF%A9" in html   # 経審…
    assert 'class="start"' not in client.get("/?lang=en&q=keishin").get_data(as_text=True)


def test_every_example_question_is_answered(real_client):
    from helpdesk.web.pages import EXAMPLES, TOPICS

    for lang, questions in EXAMPLES.items():
        for q in questions + [t[1] if lang == "en" else t[2] for t in TOPICS]:
            data = real_client.get("/api/ask", query_string={"q": q, "lang": lang}).get_json()
            assert data["answered"] and data["answers"], (lang, q)


def test_answer_page_shows_lead_read_more_folded_sources_and_a_person(real_client):
    html = real_client.get("/", query_string={"q": "How long is the keishin result valid?", "lang": "en"}).get_data(
        as_text=True)
    assert 'class="body lead"' in html and "<summary>Read more</summary>" in html
    assert re.search(r"<summary>Sources \(\d+\)</summary>", html) and "<details class=\"sources\" open" not in html
    assert '<details class="answer other">' in html
    handover = html[html.index('class="handover"'):]
    assert handover.index("EU-Japan Centre") < handover.index("national chuokai")
    assert "+81-3-3523-4901" in handover and "mailto:bzl-smea-kankouju@meti.go.jp?subject=" in handover
    assert "body=How%20long%20is%20the%20keishin%20result%20valid%3F" in handover
