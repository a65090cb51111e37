"""The staff app in real headless Chromium, over the demo data: signing in and out, every page,
the 403 page, a chart's numbers against the records, the scrub round trip, a forged form, the
lockout, JavaScript off and a 390-px phone. Set CALLKEEP_SCREENSHOTS=docs/screenshots to keep
the screenshots of the main pages.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from callkeep.auth.models import SignInAttempt
from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.records.models import Call

pytestmark = pytest.mark.browser

PASSWORD = "staff password 1"
MAIN_PAGES = [
    ("/", "Dashboard"),
    ("/trends", "Trends"),
    ("/reports", "Compliance report"),
    ("/contacts?q=Doe", "Contacts"),
    ("/calls", "Calls"),
    ("/campaigns", "Campaigns"),
    ("/lists", "Lists"),
    ("/check", "Check a number"),
    ("/scrubs", "Scrubs"),
    ("/dnc-requests", "Do-Not-Call requests"),
    ("/audit", "Audit"),
    ("/access-log", "Access log"),
    ("/users", "Users"),
    ("/tokens", "API tokens"),
]
SHOTS = os.environ.get("CALLKEEP_SCREENSHOTS", "")


def shoot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def chart_loaded(page: Any, image: Any) -> None:
    """Waits until a (lazily loaded) chart image has loaded; fails if it never does."""
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=30_000
    )


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    yield made
    made.close()


def sign_in(page: Any, server: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{server}/")
    assert page.url.endswith("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_and_sign_out(context: Any, staff_server: str) -> None:
    page = context.new_page()
    sign_in(page, staff_server, "boss")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.url == f"{staff_server}/"
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto(f"{staff_server}/calls")
    assert "/login?next=" in page.url


def test_a_wrong_password_shows_the_form_again(context: Any, staff_server: str) -> None:
    page = context.new_page()
    sign_in(page, staff_server, "agent", "not the password")
    assert "Wrong username or password" in page.get_by_role("alert").inner_text()


def test_every_main_page_renders_with_the_demo_data(context: Any, staff_server: str) -> None:
    page = context.new_page()
    sign_in(page, staff_server, "boss")
    page.get_by_role("heading", name="Dashboard").wait_for()
    for path, heading in MAIN_PAGES:
        response = page.goto(f"{staff_server}{path}")
        assert response.status == 200, path
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), path
    page.goto(f"{staff_server}/")
    images = page.locator(".chart img")
    assert images.count() == 6
    for i in range(6):
        chart_loaded(page, images.nth(i))
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "dashboard")
    page.goto(f"{staff_server}/calls")
    shoot(page, "calls")
    page.locator("[data-testid=calls] a").first.click()
    page.get_by_role("heading", name="Call record").wait_for()
    assert "Called number (vi)" in page.get_by_test_id("call-record").inner_text()
    shoot(page, "call")
    page.goto(f"{staff_server}/contacts?q=Doe")
    page.locator("[data-testid=contacts] a").first.click()
    page.get_by_role("heading", name="Timeline").wait_for()
    shoot(page, "contact")


def test_the_compliance_report_page_shows_the_apis_figures_over_the_demo_data(
    context: Any, staff_server: str, staff_runtime: Runtime
) -> None:
    from callkeep.auth import service

    with staff_runtime.db.transaction() as s:
        _, token = service.create_token(session=s, actor="test", name="report", role="auditor")
    first = (utcnow() - timedelta(days=29)).date().isoformat()
    query = f"from={first}"
    page = context.new_page()
    sign_in(page, staff_server, "auditor")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.get_by_role("link", name="Compliance report").click()
    page.get_by_role("heading", name="Compliance report").wait_for()
    page.get_by_label("From").fill(first)
    page.get_by_role("button", name="Show").click()
    page.get_by_test_id("report-scope").wait_for()
    assert f"from={first}" in page.url
    api = page.request.get(
        f"{staff_server}/api/v1/reports/compliance?{query}",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert api["calls"] > 0
    assert page.get_by_test_id("figure-calls").inner_text() == str(api["calls"])
    assert page.get_by_test_id("figure-violations").inner_text() == str(len(api["violations"]))
    images = page.locator(".chart img")
    assert images.count() == 4
    for i in range(4):
        chart_loaded(page, images.nth(i))
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "reports")
    if api["violations"]:
        page.locator("[data-testid=violations] a").first.click()
        page.get_by_role("heading", name="Call record").wait_for()
        assert page.url.endswith(f"/calls/{api['violations'][0]['call_id']}")


def test_a_role_that_may_not_see_a_page_gets_the_403_page(context: Any, staff_server: str) -> None:
    page = context.new_page()
    sign_in(page, staff_server, "agent")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.get_by_role("link", name="Users").count() == 0
    for path in ("/users", "/access-log", "/audit", "/reports"):
        response = page.goto(f"{staff_server}{path}")
        assert response.status == 403, path
        assert page.get_by_role("heading", name="You may not see this page").is_visible()


def test_the_calls_chart_counts_the_records_behind_it(
    context: Any, staff_server: str, staff_runtime: Runtime
) -> None:
    today = utcnow().date()
    first = today - timedelta(days=29)
    with staff_runtime.db.transaction(read_only=True) as s:
        since = utcnow().replace(hour=0, minute=0, second=0) - timedelta(days=29)
        until = since + timedelta(days=30)
        stored = s.scalar(
            select(func.count()).where(Call.started_at >= since, Call.started_at < until)
        )
        dropped = s.scalar(
            select(func.count()).where(
                Call.started_at >= since, Call.started_at < until, Call.disposition == "dropped"
            )
        )
    assert stored and stored > 0
    page = context.new_page()
    sign_in(page, staff_server, "compliance")
    page.get_by_role("heading", name="Dashboard").wait_for()
    table = page.get_by_test_id("table-calls")
    headers = [h.text_content() for h in table.locator("thead th").all()]
    rows = [
        [c.text_content() for c in r.locator("th, td").all()]
        for r in table.locator("tbody tr").all()
    ]
    assert rows[0][0] >= first.isoformat()
    assert sum(int(r[-1]) for r in rows) == stored
    if "dropped" in headers:
        column = headers.index("dropped")
        assert sum(int(r[column]) for r in rows) == dropped
    with page.expect_download() as download_info:
        page.get_by_test_id("chart-calls").get_by_role("link", name="Download CSV").click()
    text = Path(download_info.value.path()).read_text()
    downloaded = list(csv.reader(io.StringIO(text)))
    assert downloaded[0] == headers
    assert sum(int(r[-1]) for r in downloaded[1:]) == stored


def test_a_lead_file_goes_through_the_scrub_and_comes_back(
    context: Any, staff_server: str, tmp_path: Path
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("name,phone\nAnn,207-784-1234\nBob,(207) 784-1237\nCy,12\n")
    page = context.new_page()
    sign_in(page, staff_server, "compliance")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{staff_server}/scrubs")
    page.get_by_label("Lead file").set_input_files(str(leads))
    page.get_by_role("button", name="Scrub").click()
    summary = page.get_by_test_id("scrub-summary")
    summary.wait_for()
    assert "3 rows" in summary.inner_text() and "1 invalid" in summary.inner_text()
    shoot(page, "scrub")
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0] == ["name", "phone", "callkeep_phone", "callkeep_status", "callkeep_reasons"]
    assert [r[0] for r in rows[1:]] == ["Ann", "Bob", "Cy"]
    assert rows[3][3] == "invalid"


def test_a_forged_form_token_is_refused_and_changes_nothing(
    context: Any, staff_server: str, staff_runtime: Runtime
) -> None:
    from callkeep.auth.models import ApiToken

    def tokens() -> int:
        with staff_runtime.db.transaction(read_only=True) as s:
            return int(s.scalar(select(func.count()).select_from(ApiToken)) or 0)

    before = tokens()
    page = context.new_page()
    sign_in(page, staff_server, "boss")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{staff_server}/tokens")
    page.get_by_label("Name (who will use it)").fill("forged")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
    page.get_by_role("button", name="Create").click()
    assert page.get_by_test_id("refused").is_visible()
    assert "Nothing was changed" in page.get_by_test_id("refused").inner_text()
    assert tokens() == before


def test_repeated_failures_lock_the_sign_in(
    context: Any, staff_server: str, staff_runtime: Runtime
) -> None:
    with staff_runtime.db.transaction() as s:  # earlier tests' failures count too
        s.execute(delete(SignInAttempt))
    page = context.new_page()
    try:
        for _ in range(5):
            sign_in(page, staff_server, "auditor", "wrong password")
            assert "Wrong username or password" in page.get_by_role("alert").inner_text()
        sign_in(page, staff_server, "auditor")
        assert "Too many failed sign-ins" in page.get_by_role("alert").inner_text()
        page.goto(f"{staff_server}/")
        assert page.url.endswith("/login")
    finally:
        with staff_runtime.db.transaction() as s:  # the address is locked too: unlock it
            s.execute(delete(SignInAttempt))


def test_the_pages_work_with_javascript_off(browser: Any, staff_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, staff_server, "compliance")
        page.get_by_role("heading", name="Dashboard").wait_for()
        assert page.get_by_test_id("table-abandonment").is_visible()
        page.get_by_label("Seller").first.select_option(index=1)
        page.get_by_role("button", name="Show").click()
        assert "seller=" in page.url
        page.goto(f"{staff_server}/check")
        page.get_by_label("Phone number").fill("207-784-1234")
        page.get_by_role("button", name="Check").click()
        assert "207" in page.get_by_test_id("decision").inner_text()
    finally:
        context.close()


def test_a_390_pixel_phone_needs_no_sideways_scrolling(browser: Any, staff_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, staff_server, "supervisor")
        page.get_by_role("heading", name="Dashboard").wait_for()
        for path in ("/", "/calls", "/dnc-requests", "/contacts?q=Doe"):
            page.goto(f"{staff_server}{path}")
            wide = page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
            assert wide, path
        page.goto(f"{staff_server}/")
        shoot(page, "dashboard-phone")
    finally:
        context.close()


def test_the_login_page(browser: Any, staff_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    try:
        page = context.new_page()
        page.goto(f"{staff_server}/login")
        shoot(page, "login")
        assert page.get_by_label("Username").is_visible()
    finally:
        context.close()
