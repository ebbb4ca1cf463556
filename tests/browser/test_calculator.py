"""The keishin calculator in a real browser (Debian Chromium through Playwright).

Screenshots go to /tmp/keishin-screenshots (and build/screenshots), to be looked at by a person.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .test_widget import widget_frame

pytestmark = pytest.mark.browser

LOOK = Path("/tmp/keishin-screenshots")
FORM_MAX_HEIGHT = 2500   # px, the empty form at 1,280 px wide
VALUES = {"ind0_name": "土木一式", "ind0_completed_works": "300000", "ind0_prime_completed_works": "200000",
          "ind0_g2": "2", "ind0_g5": "3", "equity": "80000", "ebitda": "30000"}
INDICATORS = {"y_x1": "1", "y_x2": "5", "y_x3": "30", "y_x4": "2", "y_x5": "150", "y_x6": "30", "y_x7": "0.5",
              "y_x8": "1"}


def shot(page, name: str, full_page: bool = True) -> None:
    LOOK.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(LOOK / f"{name}.png"), full_page=full_page)


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def fill_form(where, date: str = "2025-03-31") -> None:
    """Fill the calculator like a user: the 8 indicators are in a folded section, opened first."""
    where.locator("#review_date").fill(date)
    for name, value in VALUES.items():
        where.locator(f"#{name}").fill(value)
    where.locator("#y-indicators > summary").click()
    for name, value in INDICATORS.items():
        where.locator(f"#{name}").fill(value)


def test_empty_form_is_at_most_2500_px_tall_at_1280(servers, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for lang in ("en", "ja"):
        page.goto(servers["app"] + f"/calculator?lang={lang}")
        height = page.locator("form.calc").bounding_box()["height"]
        assert height <= FORM_MAX_HEIGHT, f"{lang}: the empty form is {height:.0f} px tall"
        assert serious_violations(page) == []
        shot(page, f"calculator-empty-{lang}")
    context.close()


def test_trade_picker_offers_the_29_trades_and_the_result_names_the_trade(servers, page):
    page.goto(servers["app"] + "/calculator?lang=en")
    options = page.evaluate("[...document.getElementById('trades').options].map(o => [o.value, o.label])")
    assert len(options) == 29 and ["Paving", "130 · 舗装工事"] in options
    assert page.locator("#ind0_name").get_attribute("list") == "trades"
    fill_form(page)
    page.locator("#ind0_name").fill("130")                          # the code works as well as a name
    page.get_by_role("button", name="Calculate").click()
    page.locator("#result-title").wait_for()
    row = page.locator("table.scores tbody tr").first
    expect(row.locator("th")).to_contain_text("Paving")
    expect(row.locator("th")).to_contain_text("舗装工事")


def test_folded_sections_open_on_demand(servers, page):
    page.goto(servers["app"] + "/calculator?lang=en")
    machines = page.locator("#w_machines")
    assert not machines.is_visible()
    page.locator("#w7 > summary").click()
    expect(machines).to_be_visible()
    assert page.locator("#w7").get_attribute("open") is not None
    for section in ("#y-financials", "#trade1"):
        assert page.locator(section).get_attribute("open") is None
        page.locator(f"{section} > summary").click()
        assert page.locator(section).get_attribute("open") is not None
    expect(page.locator("#fin_sales")).to_be_visible()
    expect(page.locator("#ind1_name")).to_be_visible()
    shot(page, "calculator-sections-open-en")


def test_error_summary_lists_every_problem_and_leads_to_the_fields(servers, page):
    page.goto(servers["app"] + "/calculator?lang=en")
    fill_form(page)
    page.locator("#ind0_completed_works").fill("lots")
    page.locator("#y_x3").fill("")
    page.locator("#w7 > summary").click()
    page.locator("#w_machines").fill("three")
    page.get_by_role("button", name="Calculate").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.get_attribute("role") == "alert"
    expect(summary.locator("h2")).to_have_text("There are 3 problems to fix")
    links = summary.locator("a")
    assert links.all_inner_texts() == [
        "Trade 1 — average completed works (thousand yen): must be a number",
        "Y indicator x3 — Gross profit to total capital: is required",
        "W — Construction machines: must be a number"]
    for field in ("ind0_completed_works", "y_x3", "w_machines"):
        box = page.locator(f"#{field}")
        expect(box).to_be_visible()                                 # its folded section opened by itself
        assert box.get_attribute("aria-invalid") == "true"
        assert f"{field}-error" in box.get_attribute("aria-describedby").split()
        expect(page.locator(f"#{field}-error")).to_be_visible()
    links.nth(1).click()
    assert page.evaluate("location.hash") == "#y_x3"
    assert serious_violations(page) == []
    shot(page, "calculator-errors-en", full_page=False)
    page.goto(servers["app"] + "/calculator?lang=ja")
    page.locator("#review_date").fill("2025-03-31")
    page.get_by_role("button", name="計算する").first.click()
    expect(page.locator(".error-summary h2")).to_contain_text("修正が必要な項目が")
    expect(page.locator(".error-summary a").first).to_contain_text("業種：")
    shot(page, "calculator-errors-ja", full_page=False)


def test_calculator_works_inside_the_iframe(servers, page, screenshots):
    page.goto(servers["partner"] + "/loader")
    frame = widget_frame(page)
    frame.get_by_role("link", name="P score").click()
    frame.locator("#review_date").wait_for()
    fill_form(frame)
    frame.get_by_role("button", name="Calculate").click()
    frame.locator("#result-title").wait_for()
    assert frame.locator("table.scores tbody tr:not(.maxima)").count() == 1
    assert frame.locator("figure.chart svg").count() == 1
    assert frame.locator("ol.improvements li").count() >= 1
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 1500")
    frame.locator("#standard_screening_day").fill("2025-03-31")
    frame.get_by_role("button", name="Plan").click()
    frame.locator("dl.plan").wait_for()
    assert "2026-10-31" in frame.locator("dl.plan").inner_text()


@pytest.mark.parametrize("width", [320, 1280])
def test_calculator_screenshots(servers, browser, screenshots, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(servers["app"] + "/calculator?lang=ja")
    fill_form(page)
    page.locator("form.calc button[type=submit]").click()
    page.locator("#result-title").wait_for()
    page.wait_for_load_state("load")   # the result page's style sheets, before measuring its width
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(screenshots / f"calculator-{width}.png"), full_page=False)
    shot(page, f"calculator-result-ja-{width}")
    assert serious_violations(page) == []
    context.close()


def test_result_says_what_p_is_for_and_shows_each_part_against_its_maximum(servers, page):
    page.goto(servers["app"] + "/calculator?lang=en")
    fill_form(page)
    page.locator("#trade1 > summary").click()
    page.locator("#ind1_name").fill("Paving")
    page.locator("#ind1_completed_works").fill("50000")
    page.locator("#ind1_prime_completed_works").fill("10000")
    page.locator("#ind1_g5").fill("1")
    page.get_by_role("button", name="Calculate").click()
    page.locator("#result-title").wait_for()
    purpose = page.locator(".purpose")
    expect(purpose).to_contain_text("supplier qualification")
    hrefs = purpose.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["/entry/keishin-what-is?lang=en", "/entry/keishin-supplier-grades?lang=en"]
    expect(page.locator("tr.maxima")).to_contain_text("2309")             # X1's maximum, from the table
    charts = page.locator("figure.chart")
    assert charts.count() == 2
    labels = charts.first.locator("svg").get_attribute("aria-label").split("; ")
    rooms = [float(label.split(" of at most ")[1].split()[0]) - float(label.split(": ")[1].split()[0])
             for label in labels]
    assert rooms == sorted(rooms, reverse=True)                           # the biggest lever first
    expect(charts.first.locator(".lever")).to_contain_text("Most room: ")
    expect(page.locator(".print-button")).to_be_visible()
    shot(page, "calculator-result-en")
    # printed or saved as PDF: the result alone
    page.emulate_media(media="print")
    assert not page.locator("form.calc").is_visible() and not page.locator("header.site").is_visible()
    expect(page.locator("table.scores")).to_be_visible()
    shot(page, "calculator-result-print-en")
    page.pdf(path=str(LOOK / "calculator-result.pdf"), format="A4")
    assert (LOOK / "calculator-result.pdf").stat().st_size > 10_000


@pytest.mark.parametrize(("months", "kind", "text"), [
    (14, "renew-soon", "Renew soon: apply for the next evaluation by"),
    (20, "expired", "Expired: this result was valid until"),
])
def test_planner_warns_when_renewal_is_due_or_the_result_expired(servers, page, months, kind, text):
    from helpdesk.keishin.validity import japan_today, shift_months

    day = shift_months(japan_today(), -months).isoformat()
    page.goto(servers["app"] + "/calculator?lang=en")
    page.locator("#standard_screening_day").fill(day)
    page.get_by_role("button", name="Plan").click()
    warning = page.locator(f".planner-warning.{kind}")
    expect(warning).to_be_visible()
    assert warning.get_attribute("role") == "alert"
    expect(warning).to_contain_text(text)
    link = page.locator(".calendar-link a")
    assert link.get_attribute("href") == f"/calculator/validity.ics?standard_screening_day={day}&lang=en"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"keishin-validity-{day}.ics"
    assert serious_violations(page) == []
    page.locator("#validity").screenshot(path=str(LOOK / f"planner-{kind}-en.png"))
