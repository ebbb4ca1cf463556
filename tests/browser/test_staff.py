"""The feedback buttons and the staff dashboard in a real browser, with screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PASSWORD = "a long staff password"  # noqa: S105 (a test account)


def test_feedback_then_dashboard(servers, browser, screenshots):
    app = servers["flask_app"]
    result = app.test_cli_runner().invoke(args=["staff", "add", "browser-staff"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    # A user asks twice without an answer and once with one, and says the answer did not help.
    for question in ("Where can I park my bicycle in Kyoto?", "Where can I park my bicycle in Kyoto?",
                     "What is keishin?"):
        page.goto(servers["app"] + "/?lang=en")
        page.fill("#q", question)
        page.press("#q", "Enter")
        page.locator(".turn").first.wait_for()
    page.locator("form.feedback button[value=no]").first.click()
    expect(page.locator("h1")).to_contain_text("Thank you for your feedback")
    expect(page.locator(".contacts li").first).to_be_visible()
    assert context.cookies() == []          # asking and voting set no cookie
    page.screenshot(path=str(screenshots / "feedback-no-1280.png"), full_page=True)

    page.goto(servers["app"] + "/staff/")
    expect(page).to_have_url(servers["app"] + "/staff/login?next=/staff/")
    page.fill("#name", "browser-staff")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("Wrong name or password")
    page.fill("#name", "browser-staff")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("What users asked")
    expect(page.locator("table.gaps")).to_contain_text("Where can I park my bicycle in Kyoto?")
    expect(page.locator("table.gaps")).to_contain_text("What is keishin?")
    assert page.locator(".chart svg rect").count() >= 1
    cookies = context.cookies()
    assert [(c["name"], c["path"], c["httpOnly"], c["sameSite"]) for c in cookies] == \
        [("helpdesk_staff", "/staff", True, "Strict")]
    page.screenshot(path=str(screenshots / "staff-dashboard-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(servers["app"] + "/staff/?lang=ja")
    expect(page.locator("h1")).to_contain_text("利用者の質問")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard is {width}px wide on a phone"
    page.screenshot(path=str(screenshots / "staff-dashboard-390-ja.png"), full_page=True)
    page.click("text=ログアウト")
    expect(page).to_have_url(servers["app"] + "/staff/login")
    context.close()


def test_yes_is_sent_in_place_with_javascript(servers, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(servers["app"] + "/?lang=ja")
    page.fill("#q", "経審とは何ですか")
    page.press("#q", "Enter")
    page.locator(".turn form.feedback").first.wait_for()
    page.locator(".turn form.feedback button[value=yes]").first.click()
    expect(page.locator(".feedback-thanks")).to_have_text("ご意見ありがとうございました。")
    assert page.url.startswith(servers["app"] + "/?")        # no page load
    ask_id = servers["flask_app"].extensions["question_log"].questions_since(1)[-1]
    assert [v["helpful"] for v in ask_id["feedback"]] == [True]
    assert context.cookies() == []
    context.close()
