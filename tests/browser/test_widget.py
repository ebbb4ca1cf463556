"""The widget in a real browser (Debian Chromium through Playwright)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def widget_frame(page):
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe")
    frame.locator("#q").wait_for(timeout=10_000)
    return frame


def ask_in(frame_or_page, question):
    before = frame_or_page.locator(".turn").count()
    frame_or_page.locator("#q").fill(question)
    frame_or_page.locator("#q").press("Enter")
    frame_or_page.locator(".turn").nth(before).wait_for(timeout=10_000)
    return frame_or_page.locator(".turn").first


def test_widget_loads_in_iframe_on_allowed_origin(servers, page):
    page.goto(servers["partner"] + "/loader")
    frame = widget_frame(page)
    assert frame.locator("label[for=q]").inner_text() == "Your question"
    assert page.locator("iframe").get_attribute("title") == "Procurement Helpdesk"


def test_widget_is_refused_on_a_site_not_in_the_allow_list(servers, page):
    page.goto(servers["stranger"] + "/plain")
    frame = page.frame_locator("iframe")
    frame.locator(".refused").wait_for(timeout=10_000)       # the refusal is explained inside the frame
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames, "the iframe element should exist"
    assert all(f.query_selector("#q") is None for f in frames)


def test_without_a_referrer_the_browser_still_refuses_the_frame(servers, page):
    """A page that sends no Referer cannot be told apart: frame-ancestors still keeps the widget out."""
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if "frame-ancestors" in msg.text else None)
    page.goto(servers["stranger"] + "/plain")   # a page on the stranger's origin adds a frame that sends no Referer
    page.evaluate(f"""() => {{ const f = document.createElement('iframe'); f.referrerPolicy = 'no-referrer';
        f.src = '{servers["app"]}/widget?partner=local-test'; document.body.appendChild(f); }}""")
    page.wait_for_timeout(1500)
    assert all(f.query_selector("#q") is None for f in page.frames if f != page.main_frame)
    assert blocked, "Chromium should report the frame-ancestors refusal"


def test_questions_in_english_and_japanese_show_answers_with_sources(servers, page):
    page.goto(servers["partner"] + "/loader")
    frame = widget_frame(page)
    turn = ask_in(frame, "What is keishin?")
    assert turn.locator(".answer").count() >= 1
    assert re.search(r"keishin|Business Matters Evaluation", turn.locator(".answer h2").first.inner_text(), re.I)
    assert turn.locator(".sources a").count() >= 1
    turn = ask_in(frame, "経審の有効期間は？")
    assert "1年7" in turn.locator(".answer").first.inner_text() or "1 year" in turn.inner_text()
    assert turn.locator(".sources a").count() >= 1
    expect(frame.locator("#status")).to_have_text(re.compile(r"\d+ answers? found"))


def test_unanswerable_question_shows_contacts(servers, page):
    page.goto(servers["app"] + "/?lang=en")
    turn = ask_in(page, "What is the capital of France?")
    assert "no reliable answer" in turn.inner_text()
    assert turn.locator(".contacts li").count() >= 2


def test_iframe_height_follows_content(servers, page):
    page.goto(servers["partner"] + "/loader")
    frame = widget_frame(page)
    page.wait_for_timeout(500)
    before = page.locator("iframe").bounding_box()["height"]
    ask_in(frame, "What is the keishin formula?")
    page.wait_for_function(f"document.querySelector('iframe').getBoundingClientRect().height > {before + 50}")
    content = frame.locator("html").evaluate("el => Math.ceil(el.getBoundingClientRect().height)")
    after = page.locator("iframe").bounding_box()["height"]
    assert abs(after - content) <= 2
    assert page.evaluate("document.cookie") == ""


def test_plain_iframe_works_without_the_loader(servers, page):
    page.goto(servers["partner"] + "/plain")
    frame = widget_frame(page)
    turn = ask_in(frame, "kankouju")
    assert turn.locator(".answer").count() >= 1


def test_keyboard_only_from_question_to_answer_to_source(servers, page):
    page.goto(servers["app"] + "/?lang=en")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("keishin validity")
    page.keyboard.press("Enter")
    page.locator(".turn").first.wait_for()
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "(() => { const a = document.activeElement; return (a.closest('.answer h2') ? 'title' : "
            "a.closest('.sources') ? 'source' : a.tagName); })()"))
        if "source" in reached:
            break
    assert "title" in reached and "source" in reached
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_enter_while_ime_is_composing_does_not_submit(servers, page, browser):
    page.goto(servers["app"] + "/?lang=ja")
    page.locator("#q").click()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "けいしん", "selectionStart": 4, "selectionEnd": 4})
    page.keyboard.press("Enter")
    page.wait_for_timeout(600)
    assert page.locator(".turn").count() == 0
    cdp.send("Input.insertText", {"text": "経審"})          # the user confirms the conversion
    page.wait_for_timeout(100)
    assert page.locator("#q").input_value().endswith("経審")
    page.locator("button[type=submit]").click()              # and then really asks
    page.locator(".turn").first.wait_for()
    assert page.locator(".turn .answer").count() >= 1


def test_page_works_without_javascript(servers, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(servers["app"] + "/?lang=en")
    page.locator("#q").fill("What is the Digital Marketplace?")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "q=" in page.url
    assert page.locator(".answer").count() >= 1
    context.close()


@pytest.mark.parametrize("path", ["/?lang=en&q=What+is+keishin%3F", "/?lang=ja&q=%E7%B5%8C%E5%AF%A9",
                                  "/widget?lang=en&q=kankouju", "/centres?lang=en&q=Osaka", "/glossary?lang=ja",
                                  "/?lang=en&q=capital+of+France"])
def test_no_serious_accessibility_violations(servers, page, path):
    page.goto(servers["app"] + path)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


@pytest.mark.parametrize("width", [320, 1280])
def test_widget_screenshots(servers, browser, screenshots, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(servers["partner"] + "/loader")
    frame = widget_frame(page)
    ask_in(frame, "What is keishin?")
    page.wait_for_timeout(400)
    overflow = frame.locator("html").evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0, f"horizontal scrolling at {width}px"
    page.screenshot(path=str(screenshots / f"widget-{width}.png"), full_page=True)
    context.close()
