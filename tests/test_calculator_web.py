"""The calculator as users meet it: the form page without JavaScript, and the JSON API."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

FORM = {
    "review_date": "2025-03-31", "ind0_name": "土木一式", "ind0_completed_works": "300,000",
    "ind0_prime_completed_works": "200000", "ind0_g1": "1", "ind0_g2": "2", "ind0_g5": "3", "ind0_g6": "2",
    "equity": "80000", "ebitda": "30000", "y_x1": "1", "y_x2": "5", "y_x3": "30", "y_x4": "2", "y_x5": "150",
    "y_x6": "30", "y_x7": "0.5", "y_x8": "1", "w_employment_insurance": "on", "w_health_insurance": "on",
    "w_pension_insurance": "on", "w_years_in_business": "20", "w_wlb": "none", "w_ccus": "none", "w_audit": "none",
}
PAYLOAD = {
    "review_date": "2025-03-31",
    "industries": [{"name": "土木一式", "completed_works": 300000, "prime_completed_works": 200000,
                    "staff": {"g1": 1, "g2": 2, "g3": 0, "g4": 0, "g5": 3, "g6": 2}}],
    "equity": 80000, "ebitda": 30000,
    "y": {"indicators": {"x1": 1, "x2": 5, "x3": 30, "x4": 2, "x5": 150, "x6": 30, "x7": 0.5, "x8": 1}},
    "w": {"employment_insurance": True, "health_insurance": True, "pension_insurance": True, "years_in_business": 20},
}


def test_form_page_is_bilingual_and_labelled(client):
    en = client.get("/calculator?lang=en").get_data(as_text=True)
    assert "Keishin P-score calculator" in en and '<label for="review_date">' in en
    assert '<label for="ind0_completed_works">' in en and 'id="validity"' in en
    ja = client.get("/calculator?lang=ja").get_data(as_text=True)
    assert "経審P点（総合評定値）計算" in ja and "審査基準日" in ja


def test_plain_post_renders_scores_breakdown_chart_and_advice(client):
    html = client.get("/calculator").get_data(as_text=True)
    assert html
    response = client.post("/calculator", data={**FORM, "lang": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    api = client.post("/api/keishin", json=PAYLOAD).get_json()
    assert f"<strong>{api['industries'][0]['P']}</strong>" in html
    assert "floor(42 × 300000 / 100000) + 716 = 842" in html      # the X1 bracket formula
    assert "<svg" in html and 'role="img"' in html
    assert "Which single change adds the most" in html and api["best_improvements"][0]["text"]["en"] in html


def test_form_error_names_the_field_and_keeps_the_input(client):
    response = client.post("/calculator", data={**FORM, "ind0_completed_works": "lots", "lang": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="ind0_completed_works-error"' in html and "must be a number" in html
    assert 'value="lots"' in html and 'value="80000"' in html


def test_api_contract(client):
    data = client.post("/api/keishin", json=PAYLOAD).get_json()
    assert {"X21", "X22", "X2", "Y", "A", "W", "W_total", "industries", "explanation"} <= set(data)
    industry = data["industries"][0]
    assert {"name", "X1", "Z1", "Z2", "Z", "P"} <= set(industry)
    assert all(isinstance(industry[k], int) for k in ("X1", "Z1", "Z2", "Z", "P"))
    assert data["X1" if False else "X21"] == 699 and industry["X1"] == 842


@pytest.mark.parametrize("mutate, field", [
    (lambda p: p.pop("review_date"), "review_date"),
    (lambda p: p.update(equity="a lot"), "equity"),
    (lambda p: p["industries"][0].update(completed_works=-5), "industries[0].completed_works"),
    (lambda p: p["industries"][0].update(completed_works=10**20), "industries[0].completed_works"),
    (lambda p: p["y"]["indicators"].update(x3=True), "y.indicators.x3"),
    (lambda p: p["w"].update(ccus="sometimes"), "w.ccus"),
])
def test_api_bad_values_name_the_field(client, mutate, field):
    payload = json.loads(json.dumps(PAYLOAD))
    mutate(payload)
    response = client.post("/api/keishin", json=payload)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_api_nan_and_non_json_are_400(client):
    body = json.dumps(PAYLOAD).replace('"equity": 80000', '"equity": NaN')
    response = client.post("/api/keishin", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["field"] == "equity"
    assert client.post("/api/keishin", data="{", content_type="application/json").status_code == 400
    assert client.post("/api/keishin", data="x=1").status_code == 400
    assert client.post("/api/keishin", json=[1, 2]).status_code == 400


def test_validity_planner_api_and_form(client):
    data = client.post("/api/keishin/validity", json={"standard_screening_day": "2025-03-31"}).get_json()
    assert data["expiry"] == "2026-10-31" and data["apply_by"] < data["expiry"]
    assert data["steps"][0]["en"] and data["steps"][0]["ja"]
    bad = client.post("/api/keishin/validity", json={"standard_screening_day": "31/03/2025"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "standard_screening_day"
    html = client.post("/calculator/validity", data={"standard_screening_day": "2025-03-31", "lang": "en"})
    assert html.status_code == 200 and "2026-10-31" in html.get_data(as_text=True)


def test_calculator_inside_the_widget_is_framable_for_the_partner(client):
    headers = client.get("/calculator?partner=demo-chamber").headers
    assert headers["Content-Security-Policy"].endswith("frame-ancestors 'self' https://partner.example")
    html = client.post("/calculator", data={**FORM, "partner": "demo-chamber"})
    assert "frame-ancestors 'self' https://partner.example" in html.headers["Content-Security-Policy"]
    assert 'name="partner" value="demo-chamber"' in html.get_data(as_text=True)
    assert client.get("/calculator").headers["X-Frame-Options"] == "DENY"


def test_readme_documents_every_financials_field_and_wlb_value():
    from pathlib import Path

    from helpdesk.keishin.fields import FINANCIALS_FIELDS, WLB_VALUES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [k for k in [*FINANCIALS_FIELDS, *WLB_VALUES] if f"`{k}`" not in readme]
    assert missing == []


# ---------------------------------------------------------------------------------------------- every problem at once


def test_api_lists_every_problem_with_human_labels(client):
    payload = json.loads(json.dumps(PAYLOAD))
    payload["review_date"] = "2025-02-30"
    payload["industries"][0].update(completed_works="lots", staff={"g2": -1})
    payload["y"]["indicators"].pop("x7")
    payload["w"].update(ccus="sometimes", bogus=True)
    response = client.post("/api/keishin", json=payload)
    assert response.status_code == 400
    data = response.get_json()
    fields = [e["field"] for e in data["errors"]]
    assert fields == ["review_date", "industries[0].completed_works", "industries[0].staff.g2", "y.indicators.x7",
                      "w.bogus", "w.ccus"]
    # the first problem is repeated at the top, as before, for clients that read one error
    assert data["field"] == "review_date" and data["message"] == "is not a valid date: 2025-02-30"
    assert data["error"] == "review_date: is not a valid date: 2025-02-30"
    by_field = {e["field"]: e for e in data["errors"]}
    assert by_field["industries[0].completed_works"]["message"] == (
        "Trade 1 — average completed works (thousand yen): must be a number, got text")
    assert by_field["industries[0].completed_works"]["message_ja"].startswith("業種1 — 年間平均完成工事高（千円）：")
    assert by_field["y.indicators.x7"]["message"].startswith("Y indicator x7 — Operating cash flow")
    assert by_field["w.bogus"]["message"] == "Social items (W): unknown field 'bogus'"
    assert all("industries[" not in e["message"] and "industries[" not in e["message_ja"] for e in data["errors"])


def test_api_unreadable_body_is_one_labelled_problem(client):
    data = client.post("/api/keishin", data="{", content_type="application/json").get_json()
    assert data["field"] == "body" and [e["field"] for e in data["errors"]] == ["body"]
    assert data["errors"][0]["message"].startswith("Request body: ")


def test_validity_api_lists_every_problem(client):
    response = client.post("/api/keishin/validity", json={"standard_screening_day": "2025-02-30", "today": "x",
                                                            "lang": "en"})
    assert response.status_code == 400
    data = response.get_json()
    assert [e["field"] for e in data["errors"]] == ["lang", "standard_screening_day", "today"]
    assert data["field"] == "lang"
    assert data["errors"][1]["message"] == "Standard screening day: is not a valid date: 2025-02-30"
    assert data["errors"][2]["message_ja"].startswith("今日の日付：")


def test_form_marks_every_invalid_field_and_sums_them_up(client):
    form = {**FORM, "lang": "en", "review_date": "", "ind0_completed_works": "lots", "y_x3": "", "ebitda": "1e"}
    form.pop("ind0_name")
    response = client.post("/calculator", data={**form, "ind1_name": "舗装", "ind1_completed_works": "5"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"'):html.index("</ul>", html.index('class="error-summary"'))]
    assert 'role="alert"' in summary and "There are 6 problems to fix" in summary
    links = re.findall(r'<a href="#([a-z0-9_]+)">([^<]+)</a>', summary)
    assert [field for field, _ in links] == ["review_date", "ind0_name", "ind0_completed_works",
                                             "ind1_prime_completed_works", "ebitda", "y_x3"]
    assert dict(links)["ind0_completed_works"] == "Trade 1 — average completed works (thousand yen): must be a number"
    assert dict(links)["ind1_prime_completed_works"].startswith("Trade 2 — ")   # the form's slot, not the API index
    for field, _ in links:
        tag = re.search(rf'<(?:input|select) id="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag, tag
        assert f"{field}-error" in re.search(r'aria-describedby="([^"]+)"', tag).group(1).split(), tag
        assert f'id="{field}-error"' in html


def test_form_error_summary_in_japanese(client):
    html = client.post("/calculator", data={**FORM, "lang": "ja", "equity": "たくさん"}).get_data(as_text=True)
    assert "自己資本額（千円）：数値を入力してください" in html
    assert "修正が必要な項目が1件あります" in html


# ----------------------------------------------------------------------------------- a form that explains itself


def test_form_offers_the_29_trades_and_explains_grades_and_indicators(client):
    html = client.get("/calculator?lang=en").get_data(as_text=True)
    datalist = html[html.index('<datalist id="trades">'):html.index("</datalist>")]
    assert datalist.count("<option") == 29
    assert '<option value="Paving" label="130 · 舗装工事">' in datalist
    assert html.count('list="trades"') == 3
    assert "G1 · 1st-grade engineer who took the supervising-engineer course (6 pts)" in html
    assert "registered foundation-skills course" in html                     # G4's one-line explanation
    assert "x1 · Net interest expense ratio (%)" in html and "Counts from 5.1 (worst) to -0.3 (best)." in html
    assert "mlit.go.jp/sogoseisaku/1_6_hf_000038.html" in html               # the trades' source
    ja = client.get("/calculator?lang=ja").get_data(as_text=True)
    assert '<option value="舗装工事" label="130 · Paving">' in ja and "G1 · 1級監理受講者（6点）" in ja


def test_rare_parts_of_the_form_are_folded_until_needed(client):
    html = client.get("/calculator?lang=en").get_data(as_text=True)
    sections = re.findall(r'<details class="section" id="([a-z0-9-]+)"( open)?>', html)
    assert [s for s, _ in sections] == ["trade1", "trade2", "y-indicators", "y-financials",
                                        "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]
    assert not any(opened for _, opened in sections)
    # after a post, a section opens when it holds an error or something the user entered
    html = client.post("/calculator", data={**FORM, "lang": "en", "w_machines": "three", "ind1_name": "Paving"}
                       ).get_data(as_text=True)
    opened = {s for s, o in re.findall(r'<details class="section" id="([a-z0-9-]+)"( open)?>', html) if o}
    assert opened == {"trade1", "y-indicators", "w2", "w7"}   # W2: years in business given; W7: the error


def test_form_accepts_a_trade_by_its_english_name_or_code(client):
    response = client.post("/calculator", data={**FORM, "lang": "en", "ind0_name": "020"})
    assert response.status_code == 200
    assert "General building construction" in response.get_data(as_text=True)


# ----------------------------------------------------------------------------------- a result a foreigner understands


def test_result_says_what_p_is_for_and_sets_each_part_against_its_maximum(client):
    html = client.post("/calculator", data={**FORM, "lang": "en"}).get_data(as_text=True)
    purpose = html[html.index('class="purpose"'):html.index("</p>", html.index('class="purpose"'))]
    assert "supplier qualification" in purpose
    assert 'href="/entry/keishin-what-is?lang=en"' in purpose
    assert 'href="/entry/keishin-supplier-grades?lang=en"' in purpose
    api = client.post("/api/keishin", json=PAYLOAD).get_json()
    top = api["maxima"]
    assert re.search(r'<tr class="maxima"><th scope="row">Highest possible</th>' +
                     "".join(rf"<td>{top[k]}</td>" for k in ("X1", "X2", "Y", "Z", "W", "P")), html)
    parts = api["explanation"]["industries"][0]["parts"]
    label = re.search(r'<svg viewBox="[^"]+" width="100%" role="img" aria-label="([^"]+)"', html).group(1)
    assert label.split(": ")[0] == parts[0]["component"]                      # the biggest lever first
    assert f"Most room: {parts[0]['component']}, up to {parts[0]['room']} more P points" in html
    assert "General civil engineering" in html and "土木一式工事" in html    # the trade in English and Japanese
    ja = client.post("/calculator", data={**FORM, "lang": "ja"}).get_data(as_text=True)
    assert "P点の使い道" in ja and 'href="/entry/keishin-supplier-grades?lang=ja"' in ja


def test_result_page_prints_cleanly():
    css = (Path(__file__).resolve().parent.parent / "static" / "calculator.css").read_text(encoding="utf-8")
    print_rules = css[css.index("@media print"):]
    for hidden in ("header.site", "footer.site", ".with-result form.calc", ".print-button"):
        assert hidden in print_rules
    assert "break-inside: avoid" in print_rules and "print-color-adjust: exact" in print_rules


# ----------------------------------------------------------------------------------- a planner that knows today


def test_validity_api_says_where_today_stands(client):
    def status(today):
        body = {"standard_screening_day": "2024-03-31", "today": today}
        data = client.post("/api/keishin/validity", json=body).get_json()
        return data["status"], data["days_left"]

    assert status("2025-03-30") == ("valid", 215)
    assert status("2025-03-31") == ("renew_soon", 214)      # 4 months before the apply-by date 2025-07-31
    assert status("2025-10-31") == ("renew_soon", 0)
    assert status("2025-11-01") == ("expired", -1)
    # without `today`, today in Japan
    from helpdesk.keishin.validity import japan_today

    data = client.post("/api/keishin/validity", json={"standard_screening_day": "2024-03-31"}).get_json()
    assert data["today"] in {japan_today().isoformat(), (japan_today() - dt.timedelta(days=1)).isoformat()}
    assert data["status"] in ("valid", "renew_soon", "expired") and isinstance(data["days_left"], int)


def relative_day(**months_and_days) -> str:
    """A standard screening day so far before today (in Japan) that its plan has a known status."""
    from helpdesk.keishin.validity import japan_today, shift_months

    return (shift_months(japan_today(), -months_and_days.get("months", 0))
            - dt.timedelta(days=months_and_days.get("days", 0))).isoformat()


@pytest.mark.parametrize(("months", "days", "css", "text"), [
    (3, 0, "planner-ok", "Valid: "),
    (14, 0, "planner-warning renew-soon", "Renew soon: apply for the next evaluation by"),
    (17, 0, "planner-warning renew-soon", "Renew now: the safe date to apply"),
    (20, 0, "planner-warning expired", "Expired: this result was valid until"),
])
def test_planner_page_warns_before_and_after_expiry(client, months, days, css, text):
    html = client.post("/calculator/validity", data={"standard_screening_day": relative_day(months=months, days=days),
                                                     "lang": "en"}).get_data(as_text=True)
    assert f'class="{css}"' in html and text in html
    if "warning" in css:
        assert f'<div class="{css}" role="alert">' in html


def test_planner_page_links_its_calendar_file(client):
    html = client.post("/calculator/validity", data={"standard_screening_day": "2025-03-31", "lang": "ja"}
                       ).get_data(as_text=True)
    assert 'href="/calculator/validity.ics?standard_screening_day=2025-03-31&amp;lang=ja"' in html


def test_calendar_file_has_apply_by_and_expiry_with_reminders(client):
    from icalendar import Calendar

    response = client.get("/calculator/validity.ics?standard_screening_day=2025-03-31&lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar" and response.mimetype_params["charset"] == "utf-8"
    assert 'filename="keishin-validity-2025-03-31.ics"' in response.headers["Content-Disposition"]
    cal = Calendar.from_ical(response.data)
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    events = {str(e["uid"]).split("-2025")[0]: e for e in cal.walk("VEVENT")}
    assert set(events) == {"keishin-apply_by", "keishin-expiry"}
    assert events["keishin-apply_by"].decoded("dtstart") == dt.date(2026, 7, 31)
    assert events["keishin-expiry"].decoded("dtstart") == dt.date(2026, 10, 31)
    assert events["keishin-expiry"].decoded("dtend") == dt.date(2026, 11, 1)         # all-day
    assert "2026-07-31" in str(events["keishin-apply_by"]["description"])
    for uid, days in (("keishin-apply_by", [30, 7]), ("keishin-expiry", [60, 14])):
        alarms = events[uid].walk("VALARM")
        assert [-a.decoded("trigger").days for a in alarms] == days
        assert all(str(a["action"]) == "DISPLAY" and str(a["description"]) for a in alarms)
    ja = Calendar.from_ical(client.get("/calculator/validity.ics?standard_screening_day=2025-03-31&lang=ja").data)
    assert any("経審" in str(e["summary"]) for e in ja.walk("VEVENT"))


@pytest.mark.parametrize("query", ["", "?standard_screening_day=", "?standard_screening_day=31/03/2025",
                                   "?standard_screening_day=2025-02-30", "?standard_screening_day=1999-12-31"])
def test_calendar_file_refuses_bad_input_clearly(client, query):
    response = client.get(f"/calculator/validity.ics{query}{'&' if query else '?'}lang=en")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Standard screening day: " in response.get_data(as_text=True)
    ja = client.get(f"/calculator/validity.ics{query}{'&' if query else '?'}lang=ja")
    assert ja.status_code == 400 and "審査基準日：" in ja.get_data(as_text=True)
