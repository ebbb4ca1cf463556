"""Issue 13 in a real browser (Chromium), at 390 and 1280 px, with and without JavaScript: one answer
first, the empty page, suggestions while typing, a person to ask, the language switch, tables,
the focus ring, the desk finder and glossary, and partner set-up (/embed, the widget's refusals).

Screenshots go to /tmp/helpdesk-screenshots (conftest.LOOK), to be looked at after a run.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import LOOK

pytestmark = pytest.mark.browser
WIDTHS = [390, 1280]
QUESTION = "How long is the keishin result valid?"


@pytest.fixture(scope="module")
def shots():
    LOOK.mkdir(parents=True, exist_ok=True)
    return LOOK


def open_page(browser, width: int, js: bool = True):
    """A page at `width`. Without JavaScript, the site's scripts are not loaded (all its behaviour is
    in static/*.js: the CSP allows no inline script), so the page is what a browser without
    JavaScript gets, while the test can still measure it (Chromium's own switch also stops the
    measuring scripts; test_widget.py's test_page_works_without_javascript uses it)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    if not js:
        context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    return context, context.new_page()


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def ask(page, question: str):
    before = page.locator(".turn").count()
    page.locator("#q").fill(question)
    page.locator("#ask-form button[type=submit]").click()
    page.locator(".turn").nth(before).wait_for(timeout=10_000)
    return page.locator(".turn").first


# ---------------------------------------------------------------- 1. one answer, expanded

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/", "/widget"])
def test_one_answer_first_the_rest_folded(servers, browser, shots, width, js, path):
    context, page = open_page(browser, width, js)
    if js:
        page.goto(f"{servers['app']}{path}?lang=en")
        turn = ask(page, QUESTION)
    else:
        page.goto(f"{servers['app']}{path}?{urlencode({'lang': 'en', 'q': QUESTION})}")
        turn = page.locator(".turn").first
    best = turn.locator("article.answer.best")
    assert best.count() == 1
    assert "1 year and 7 months" in best.locator(".lead").inner_text()
    more = best.locator("details.more")
    assert more.count() == 1 and more.get_attribute("open") is None
    sources = best.locator("details.sources")
    assert re.fullmatch(r"Sources \(\d+\)", sources.locator("> summary").inner_text().strip())
    assert sources.get_attribute("open") is None
    others = turn.locator("details.answer.other")
    assert others.count() >= 1 and all(others.nth(i).get_attribute("open") is None for i in range(others.count()))
    assert turn.locator("details.handover > summary").inner_text().strip() == "Ask a person"
    if width == 390:
        assert height(page) <= 1800, f"answer page is {height(page)} px high at 390 px"
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=str(shots / f"answer{path.replace('/', '-')}-{width}-{'js' if js else 'nojs'}.png"),
                    full_page=True)
    # Titles expand in place.
    more.locator("> summary").click()
    assert more.get_attribute("open") is not None and more.locator(".body").is_visible()
    others.first.locator("> summary").click()
    assert others.first.locator(".body").is_visible()
    assert serious_violations(page) == []
    context.close()


def test_definitions_fold_in_place_too(servers, browser):
    context, page = open_page(browser, 390)
    page.goto(f"{servers['app']}/?{urlencode({'lang': 'en', 'q': 'What is a reserve price?'})}")
    term = page.locator(".turn details.definition").first
    assert term.get_attribute("open") is None and "reserve price" in term.locator("> summary").inner_text()
    term.locator("> summary").click()
    assert term.locator("a", has_text="Glossary").is_visible()
    context.close()


# ---------------------------------------------------------------- 2. empty state

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("path, lang", [("/", "en"), ("/widget", "ja")])
def test_empty_page_offers_examples_and_topics_that_ask(servers, browser, shots, path, lang, js):
    context, page = open_page(browser, 390, js)
    page.goto(f"{servers['app']}{path}?lang={lang}")
    examples = page.locator(".start .examples a")
    assert 4 <= examples.count() <= 6
    assert page.locator(".start .topics a").count() == 4
    page.screenshot(path=str(shots / f"empty{path.replace('/', '-')}-{lang}-{'js' if js else 'nojs'}.png"),
                    full_page=True)
    assert serious_violations(page) == []
    assert all("q=" in (a.get_attribute("href") or "") for a in page.locator(".start .topics a").all())
    text = examples.first.inner_text()
    examples.first.click()
    page.locator(".turn").first.wait_for(timeout=10_000)
    assert page.locator(".turn .question").first.inner_text().endswith(text)
    assert page.locator(".turn article.answer.best").count() == 1
    if js:
        assert page.locator("#start").is_hidden()          # asked in place
    else:
        assert "q=" in page.url                             # a plain link
    context.close()


# ---------------------------------------------------------------- 3. suggestions while typing

@pytest.mark.parametrize("width", WIDTHS)
def test_suggestions_are_an_accessible_combobox(servers, browser, shots, width):
    context, page = open_page(browser, width)
    page.goto(f"{servers['app']}/?lang=en")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    listbox_id = box.get_attribute("aria-controls")
    box.click()
    box.press_sequentially("keishin val", delay=30)
    listbox = page.locator(f"#{listbox_id}")
    listbox.wait_for(state="visible")
    assert listbox.get_attribute("role") == "listbox" and box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    assert 1 <= options.count() <= 8
    assert any("valid" in options.nth(i).inner_text() for i in range(options.count()))
    page.screenshot(path=str(shots / f"suggestions-{width}.png"))
    assert serious_violations(page) == []
    box.press("ArrowDown")
    first = options.first
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    chosen = first.inner_text()
    box.press("Enter")
    page.locator(".turn").first.wait_for(timeout=10_000)
    assert page.locator(".turn .question").first.inner_text().endswith(chosen)
    assert box.get_attribute("aria-expanded") == "false"
    # Escape closes the list.
    box.press_sequentially("kankou", delay=30)
    listbox.wait_for(state="visible")
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    context.close()


def test_no_suggestions_while_an_ime_is_composing(servers, browser):
    context, page = open_page(browser, 390)
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/suggest" in r.url else None)
    page.goto(f"{servers['app']}/?lang=ja")
    page.locator("#q").click()
    cdp = context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "けいしん", "selectionStart": 4, "selectionEnd": 4})
    page.wait_for_timeout(700)
    assert requests == [] and page.locator("#q-suggestions").is_hidden()
    cdp.send("Input.insertText", {"text": "けいしん"})       # the conversion is confirmed as kana
    page.locator("#q-suggestions").wait_for(state="visible")
    assert requests and "けいしん" in page.locator("#q").input_value()
    assert page.locator("#q-suggestions [role=option]").first.inner_text().startswith("経")
    context.close()


# ---------------------------------------------------------------- 4. a person beside every answer

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_ask_a_person_beside_an_answer(servers, browser, shots, js):
    context, page = open_page(browser, 390, js)
    page.goto(f"{servers['app']}/?{urlencode({'lang': 'en', 'q': QUESTION})}")
    handover = page.locator(".turn details.handover")
    assert handover.get_attribute("open") is None
    handover.locator("> summary").click()
    names = handover.locator(".contacts > li > a:first-child")
    assert "EU-Japan Centre" in names.first.text_content()                # English-speaking first
    assert "+81-3-3523-4901" in handover.inner_text()                      # the phone from abroad too
    mail = handover.locator("a[href^='mailto:']")
    assert mail.count() >= 1
    href = mail.first.get_attribute("href")
    assert "body=" + quote(QUESTION, safe="") in href.replace("+", "%20")
    page.screenshot(path=str(shots / f"ask-a-person-390-{'js' if js else 'nojs'}.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


def test_ask_a_person_in_japanese_lists_japanese_contacts_first(servers, browser):
    context, page = open_page(browser, 390)
    page.goto(f"{servers['app']}/?{urlencode({'lang': 'ja', 'q': '経審の有効期間は？'})}")
    names = page.locator(".turn details.handover .contacts > li > a:first-child")
    assert "相談センター" in names.first.text_content() and "日欧" in names.last.text_content()
    context.close()


# ---------------------------------------------------------------- 5. the language switch keeps the question

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_language_switch_keeps_the_question(servers, browser, js):
    context, page = open_page(browser, 1280, js)
    if js:
        page.goto(f"{servers['app']}/?lang=en")
        ask(page, QUESTION)
    else:
        page.goto(f"{servers['app']}/?{urlencode({'lang': 'en', 'q': QUESTION})}")
    page.locator("#lang-switch").click()
    page.wait_for_url(re.compile(r"lang=ja"))
    turn = page.locator(".turn").first
    assert turn.get_attribute("lang") == "ja"
    assert turn.locator(".question").inner_text().endswith(QUESTION)
    assert "1年7か月" in turn.locator("article.answer.best").inner_text()
    context.close()


# ---------------------------------------------------------------- 6. tables and the focus ring

# A word (letters and digits, "1,595", "0.25") laid out on more than one line is a broken word; a
# break after a hyphen ("prime-|contract") is an ordinary line break.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.table-scroll td, .table-scroll th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[A-Za-z0-9]+(?:[.,'][A-Za-z0-9]+)*/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", WIDTHS)
def test_tables_scroll_sideways_without_breaking_words(servers, browser, shots, width, js):
    context, page = open_page(browser, width, js)
    page.goto(f"{servers['app']}/?{urlencode({'lang': 'en', 'q': 'What is the keishin formula?'})}")
    page.locator(".turn article.best details.more summary").click()
    region = page.locator(".turn article.best .table-scroll").first
    region.wait_for(state="visible")
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert page.evaluate(BROKEN_WORDS) == []
    assert horizontal_overflow(page) <= 0
    region.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"table-{width}-{'js' if js else 'nojs'}.png"))
    context.close()


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colours(text: str) -> list:
    return [tuple(int(x) for x in m) for m in re.findall(r"rgba?\((\d+), (\d+), (\d+)", text)]


@pytest.mark.parametrize("path", ["/?lang=en", "/widget?lang=en&partner=local-test"])
def test_focus_ring_has_3_to_1_contrast_on_the_header(servers, browser, shots, path):
    context, page = open_page(browser, 1280)
    page.goto(servers["app"] + path)
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "lang-switch":
            break
    assert page.evaluate("document.activeElement.id") == "lang-switch"
    style = page.evaluate("""() => { const a = document.activeElement, s = getComputedStyle(a);
        return {outline: s.outlineColor, width: s.outlineWidth, shadow: s.boxShadow,
                header: getComputedStyle(a.closest('header')).backgroundColor,
                page: getComputedStyle(document.body).backgroundColor}; }""")
    header, body = colours(style["header"])[0], colours(style["page"])[0] if colours(style["page"]) else (255, 255, 255)
    ring = colours(style["outline"]) + colours(style["shadow"])
    assert len(ring) == 2 and float(style["width"].rstrip("px")) >= 2
    assert max(contrast(c, header) for c in ring) >= 3, (ring, header)    # on the header (and partner accent)
    assert max(contrast(c, body) for c in ring) >= 3, (ring, body)        # and on the page
    assert contrast(ring[0], ring[1]) >= 3                                # two colours: one always stands out
    page.screenshot(path=str(shots / f"focus{'-partner' if 'partner' in path else ''}.png"),
                    clip={"x": 0, "y": 0, "width": 1280, "height": 120})
    context.close()


# ---------------------------------------------------------------- 7. desk finder and glossary

@pytest.mark.parametrize("q, codes", [
    ("Tokio", ["13"]), ("hokaido", ["01"]), ("hokkaidou", ["01"]), ("Kioto", ["26"]), ("Osaca", ["27"]),
    ("Kansai", ["24", "25", "26", "27", "28", "29", "30"]), ("Kinki", ["24", "25", "26", "27", "28", "29", "30"]),
    ("Kyushu", ["40", "41", "42", "43", "44", "45", "46", "47"]), ("東北", ["02", "03", "04", "05", "06", "07"]),
    ("関西", ["24", "25", "26", "27", "28", "29", "30"]), ("Shikoku", ["36", "37", "38", "39"]),
    ("中国", ["31", "32", "33", "34", "35"]), ("Kanto", ["08", "09", "10", "11", "12", "13", "14"]),
    ("chubu", ["15", "16", "17", "18", "19", "20", "21", "22", "23"]), ("Fukuoca", ["40"]),
])
def test_desk_finder_knows_regions_and_foreign_spellings(servers, browser, q, codes):
    context, page = open_page(browser, 390, js=False)
    page.goto(f"{servers['app']}/centres?{urlencode({'lang': 'en', 'q': q})}")
    found = [i.removeprefix("centre-") for i in page.locator(".cards > li.card").evaluate_all(
        "els => els.map(e => e.id)")]
    assert found == codes
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_full_desk_list_is_compact(servers, browser, shots, width):
    context, page = open_page(browser, width)
    page.goto(f"{servers['app']}/centres?lang=en")
    assert page.locator("li.card").count() == 47 and page.locator("h2.region").count() == 8
    limit = 5200 if width == 390 else 4200     # it was 20,853 and 14,253 px
    assert height(page) <= limit, height(page)
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=str(shots / f"centres-all-{width}.png"), full_page=True)
    card = page.locator("#centre-27")
    card.locator("summary").click()
    assert "06-6947-4371" in card.inner_text()
    assert serious_violations(page) == []
    page.goto(f"{servers['app']}/centres?lang=ja&q=Kansai")
    page.screenshot(path=str(shots / f"centres-kansai-ja-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("q", ["reserve price", "reserve prices", "price reserve", "ceiling", "yotei kakaku",
                               "予定価格"])
def test_glossary_finds_english_terms_and_words_in_them(servers, browser, q):
    context, page = open_page(browser, 390, js=False)
    page.goto(f"{servers['app']}/glossary?{urlencode({'lang': 'en', 'q': q})}")
    assert "予定価格" in [t.strip() for t in page.locator("dl.glossary dt span[lang=ja]:first-child").all_inner_texts()]
    context.close()


# ---------------------------------------------------------------- 8. partners set up alone

@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", WIDTHS)
def test_embed_page_is_linked_fits_a_phone_and_previews_a_key(servers, browser, shots, width, js):
    context, page = open_page(browser, width, js)
    page.goto(f"{servers['app']}/?lang=en")
    page.locator("footer a[href^='/embed']").click()
    page.wait_for_url(re.compile(r"/embed"))
    assert horizontal_overflow(page) <= 0
    assert "localhost" in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Troubleshooting").count() == 1
    assert "grey box" in page.locator(".trouble").inner_text()
    assert page.locator("button.copy-button").count() == (2 if js else 0)   # progressive enhancement
    page.locator("#key").fill("local-test")
    page.locator("#origin").fill(servers["partner"])
    page.get_by_role("button", name="Check and preview").click()
    page.wait_for_url(re.compile(r"key=local-test"))
    assert "is allowed" in page.locator(".check-result").inner_text()
    assert 'data-partner="local-test"' in page.locator("#snippet-loader").inner_text()
    preview = page.frame_locator("iframe.preview")
    preview.locator("#q").wait_for(timeout=10_000)
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=str(shots / f"embed-{width}-{'js' if js else 'nojs'}.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


def test_copy_button_copies_the_snippet(servers, browser):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=servers["app"])
    page = context.new_page()
    page.goto(f"{servers['app']}/embed?lang=en")
    page.locator("button.copy-button").first.click()
    page.locator(".copy-note", has_text="Copied").first.wait_for()
    assert "/embed.js" in page.evaluate("navigator.clipboard.readText()")
    context.close()


def test_unknown_key_explains_itself_inside_the_frame(servers, browser, shots):
    context, page = open_page(browser, 390)
    page.goto(servers["partner"] + "/unknown-key")
    frame = page.frame_locator("iframe")
    message = frame.locator(".refused")
    message.wait_for(timeout=10_000)
    assert "“local-tset” is not known" in message.inner_text()
    # The loader makes the frame as high as the message, so all of it can be read.
    content = frame.locator("html").evaluate("el => Math.ceil(el.getBoundingClientRect().height)")
    page.wait_for_function(
        f"Math.abs(document.querySelector('iframe').getBoundingClientRect().height - {content}) <= 2")
    page.screenshot(path=str(shots / "refused-unknown-key.png"), full_page=True)
    context.close()


def test_a_site_not_in_the_allow_list_sees_why_inside_the_frame(servers, browser, shots):
    context, page = open_page(browser, 1280)
    page.goto(servers["stranger"] + "/loader")
    message = page.frame_locator("iframe").locator(".refused")
    message.wait_for(timeout=10_000)
    assert servers["stranger"] in message.inner_text() and "not on the allow-list" in message.inner_text()
    assert page.frame_locator("iframe").locator("#q").count() == 0
    page.screenshot(path=str(shots / "refused-origin.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("path", ["/widget?partner=nope&lang=en", "/widget?partner=nope&lang=ja",
                                  "/?lang=ja", "/widget?lang=en", "/glossary?lang=en&q=reserve+price",
                                  "/centres?lang=en&q=Kyushu", "/embed?lang=ja&key=nope"])
def test_no_serious_accessibility_violations_on_the_new_pages(servers, page, path):
    page.goto(servers["app"] + path)
    assert serious_violations(page) == []
