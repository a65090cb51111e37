"""The public page in real headless Chromium: with and without JavaScript, on a phone screen,
by keyboard alone, and under hostile input.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from callkeep.kit.runtime import Runtime
from callkeep.requests.models import DncRequest

pytestmark = pytest.mark.browser

HOSTILE = [
    "<script>alert('x')</script>",
    "'); DROP TABLE dnc_requests; --",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DELETE FROM ledger_entries WHERE ('1'='1",
]


def stored(rt: Runtime, phone: str) -> int:
    with rt.db.transaction(read_only=True) as s:
        query = select(func.count()).select_from(DncRequest).where(DncRequest.phone == phone)
        return int(s.scalar(query) or 0)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def test_a_consumer_submits_the_form_and_checks_the_status(
    page: Any, live_server: str, live_runtime: Runtime
) -> None:
    page.goto(f"{live_server}/do-not-call")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Phone number").fill("207-555-0101")
    page.get_by_label("Your name").fill("Ann Example")
    page.get_by_role("button", name="Stop calls to this number").click()
    page.get_by_role("heading", name="Your request is recorded").wait_for()
    code = page.get_by_test_id("confirmation-code").inner_text().strip()
    assert len(code) == 10
    assert "•••-•••-0101" in page.content()
    assert page.get_by_role("button", name="Print this receipt").is_visible()
    assert stored(live_runtime, "+12075550101") == 1
    page.get_by_role("link", name="check your request").click()
    result = page.get_by_test_id("status-result")
    result.wait_for()
    assert code in result.inner_text()
    page.get_by_label("Confirmation code").fill("ABCDEFGHJK")
    page.get_by_role("button", name="Check").click()
    assert "could not find" in page.get_by_test_id("status-result").inner_text()
    assert page.dialogs == []


def test_an_invalid_number_is_highlighted_and_the_summary_takes_focus(
    page: Any, live_server: str, live_runtime: Runtime
) -> None:
    page.goto(f"{live_server}/do-not-call")
    page.get_by_label("Phone number").fill("555-01")
    page.get_by_role("button", name="Stop calls to this number").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "There is a problem" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    field = page.locator("#phone")
    assert field.get_attribute("aria-invalid") == "true"
    assert "phone-error" in (field.get_attribute("aria-describedby") or "")
    summary.get_by_role("link").click()
    assert page.evaluate("location.hash") == "#phone"
    assert stored(live_runtime, "+1555") == 0


def test_the_page_works_with_javascript_off(
    browser: Any, live_server: str, live_runtime: Runtime
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/do-not-call")
    page.get_by_label("Phone number").fill("(207) 555-0102")
    page.get_by_role("button", name="Stop calls to this number").click()
    page.get_by_role("heading", name="Your request is recorded").wait_for()
    assert not page.get_by_role("button", name="Print this receipt").is_visible()
    assert "print this page" in page.content()
    assert stored(live_runtime, "+12075550102") == 1
    context.close()


def test_a_phone_screen_never_scrolls_sideways(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/do-not-call")
    assert no_horizontal_scroll(page)
    page.get_by_label("Phone number").fill("not a number at all, really not one")
    page.get_by_role("button", name="Stop calls to this number").click()
    page.get_by_role("alert").wait_for()
    assert no_horizontal_scroll(page)
    page.get_by_label("Phone number").fill("207 555 0103")
    page.get_by_label("Email address").fill(
        "a-very-long-address-without-breaks@example-of-a-long-domain.com"
    )
    page.get_by_role("button", name="Stop calls to this number").click()
    code = page.get_by_test_id("confirmation-code").inner_text().strip()
    assert no_horizontal_scroll(page)
    page.goto(f"{live_server}/do-not-call/status?code={code}")
    assert no_horizontal_scroll(page)
    context.close()


def test_hostile_text_in_every_field_is_shown_harmless(
    page: Any, live_server: str, live_runtime: Runtime
) -> None:
    for text in HOSTILE:
        page.goto(f"{live_server}/do-not-call")
        page.get_by_label("Phone number").fill(text)
        page.get_by_label("Your name").fill(text)
        page.get_by_label("Email address").fill(text)
        page.get_by_role("button", name="Stop calls to this number").click()
        page.get_by_role("alert").wait_for()
        assert page.get_by_label("Phone number").input_value() == text
        assert page.get_by_label("Your name").input_value() == text
        page.get_by_label("Phone number").fill("207-555-0104")
        page.get_by_label("Email address").fill("")
        page.get_by_role("button", name="Stop calls to this number").click()
        page.get_by_role("heading", name="Your request is recorded").wait_for()
        page.goto(f"{live_server}/do-not-call/status?code=" + text.replace("#", ""))
        page.get_by_test_id("status-result").wait_for()
    assert page.dialogs == []
    with live_runtime.db.transaction(read_only=True) as s:
        request = s.scalar(select(DncRequest).where(DncRequest.phone == "+12075550104"))
        assert request is not None and request.name == HOSTILE[0]
    from callkeep.ledger import service as ledger

    with live_runtime.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


def test_the_form_is_sent_by_keyboard_alone_with_visible_focus(
    page: Any, live_server: str, live_runtime: Runtime
) -> None:
    page.goto(f"{live_server}/do-not-call")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "phone":
            break
    assert page.evaluate("document.activeElement.id") == "phone"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.type("207-555-0105")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your request is recorded").wait_for()
    assert stored(live_runtime, "+12075550105") == 1


CONTRAST_JS = """
(selector) => {
  const rgb = (text) => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    while (el) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return rgb(bg);
      el = el.parentElement;
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].map((el) => {
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


def test_every_input_has_a_label_and_text_has_good_contrast(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/do-not-call")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden])')]"
        ".filter(i => i.labels.length === 0).map(i => i.name)"
    )
    assert unlabelled == []
    ratios = page.evaluate(CONTRAST_JS, "h1, p, label, li, a, button, .site-name")
    assert ratios and min(ratios) >= 4.5
    page.get_by_label("Phone number").fill("1")
    page.get_by_role("button", name="Stop calls to this number").click()
    page.get_by_role("alert").wait_for()
    ratios = page.evaluate(CONTRAST_JS, ".field-error, .error-summary a")
    assert ratios and min(ratios) >= 4.5
