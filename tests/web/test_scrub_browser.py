"""In real Chromium: a scrub's progress page follows the scrub with JavaScript (the numbers
change in place, then the result opens) and without it (the page refreshes itself), and a
failed scrub shows its error with the line it is on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from test_staff_browser import context, shoot, sign_in

from callkeep.kit.runtime import Runtime
from callkeep.web import scrub_jobs

__all__ = ["context"]  # the signed-out browser context of the staff browser tests

RUNNING = scrub_jobs.Progress(
    "", "big.csv", "running", 200_000, 1_000_000, "2026-12-01T23:00:00Z", 0.4
)


def upload(page: Any, server: str, leads: Path) -> None:
    """Signs in as compliance and uploads `leads` on /scrubs."""
    sign_in(page, server, "compliance")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{server}/scrubs")
    page.get_by_label("Lead file").set_input_files(str(leads))
    page.get_by_role("button", name="Scrub").click()


def scrubbed_once(page: Any, server: str, tmp_path: Path) -> str:
    """Signs in and scrubs a small file through the page; returns the scrub's id."""
    leads = tmp_path / "leads.csv"
    leads.write_text("name,phone\nAnn,207-784-1234\nBob,207-784-1237\n")
    upload(page, server, leads)
    page.get_by_test_id("scrub-summary").wait_for()
    return str(page.url.rsplit("/", 1)[1])


def test_the_progress_page_follows_the_scrub_with_javascript(
    context: Any, staff_server: str, staff_runtime: Runtime, tmp_path: Path
) -> None:
    page = context.new_page()
    scrub_id = scrubbed_once(page, staff_server, tmp_path)
    job = replace(RUNNING, job_id="js0000000001")
    scrub_jobs.write(staff_runtime, job)
    page.goto(f"{staff_server}/scrubs/jobs/{job.job_id}")
    box = page.get_by_test_id("scrub-progress")
    assert "200,000 of 1,000,000 rows done" in box.inner_text()
    scrub_jobs.write(staff_runtime, replace(job, rows_done=750_000, seconds=1.5))
    page.locator("[data-field='rows_done']", has_text="750,000").wait_for()
    assert page.locator("progress").get_attribute("value") is not None
    assert page.evaluate("document.querySelector('progress').value") == 75
    shoot(page, "scrub-progress")
    done = replace(job, state="done", rows_done=2, rows_total=2, scrub_id=scrub_id)
    scrub_jobs.write(staff_runtime, done)
    page.wait_for_url(f"{staff_server}/scrubs/{scrub_id}")
    assert "2 rows" in page.get_by_test_id("scrub-summary").inner_text()
    page.get_by_test_id("download").wait_for()


def test_the_progress_page_refreshes_itself_without_javascript(
    browser: Any, staff_server: str, staff_runtime: Runtime, tmp_path: Path
) -> None:
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = plain.new_page()
        scrub_id = scrubbed_once(page, staff_server, tmp_path)
        job = replace(RUNNING, job_id="nojs00000001")
        scrub_jobs.write(staff_runtime, job)
        page.goto(f"{staff_server}/scrubs/jobs/{job.job_id}")
        assert (
            "200,000 of 1,000,000 rows done" in page.get_by_test_id("scrub-progress").inner_text()
        )
        scrub_jobs.write(staff_runtime, replace(job, rows_done=900_000))
        page.get_by_text("900,000 of 1,000,000 rows done").wait_for(timeout=15_000)
        scrub_jobs.write(staff_runtime, replace(job, state="done", scrub_id=scrub_id))
        page.wait_for_url(f"{staff_server}/scrubs/{scrub_id}", timeout=15_000)
        page.get_by_test_id("download").wait_for()
    finally:
        plain.close()


def test_a_failed_scrub_shows_its_error_and_line_in_the_browser(
    context: Any, staff_server: str, tmp_path: Path
) -> None:
    leads = tmp_path / "broken.csv"
    leads.write_bytes(b"name,phone\nAnn,207-784-1234\nB\xffb,207-784-1235\n")
    page = context.new_page()
    upload(page, staff_server, leads)
    error = page.get_by_test_id("scrub-error")
    error.wait_for()
    assert "line 3" in error.inner_text() and "not UTF-8" in error.inner_text()
