"""The public page over HTTP, on both databases: what it asks, records, shows and refuses."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callkeep.kit.runtime import Runtime
from callkeep.requests.models import DncReference, DncRequest


def requests_stored(rt: Runtime) -> int:
    with rt.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(DncRequest)) or 0)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_form_asks_only_for_the_number_and_labels_every_input(client: TestClient) -> None:
    page = client.get("/do-not-call")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    for field in ("phone", "name", "email", "website"):
        assert f'<label for="{field}">' in html
    assert 'id="phone"' in html and "required" in html
    assert html.count("required aria-required") == 1
    assert "(optional)" in html
    assert "It is free." in html


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    headers = client.get("/do-not-call").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "samesite=strict" in headers["set-cookie"].lower()
    assert "httponly" in headers["set-cookie"].lower()


def test_a_submission_records_a_web_request_and_shows_a_receipt(
    submit, code_in, rt: Runtime
) -> None:
    response = submit(phone="207-555-0123", name="Ann")
    assert response.status_code == 200
    code = code_in(response.text)
    text = visible_text(response.text)
    assert "Your request is recorded" in text
    assert "•••-•••-0123" in text and "5550123" not in response.text
    with rt.db.transaction(read_only=True) as s:
        request = s.scalar(select(DncRequest))
        assert request is not None
        assert (request.confirmation_code, request.channel, request.name) == (code, "web", "Ann")


def test_an_invalid_number_gets_a_friendly_message_and_nothing_is_recorded(
    submit, rt: Runtime
) -> None:
    response = submit(phone="555-12")
    assert response.status_code == 422
    html = response.text
    assert "There is a problem" in html and 'href="#phone"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="phone-hint phone-error"' in html
    assert 'value="555-12"' in html
    assert requests_stored(rt) == 0


def test_an_empty_number_is_asked_for(submit, rt: Runtime) -> None:
    response = submit(phone="  ")
    assert "Enter the phone number" in response.text
    assert requests_stored(rt) == 0


def test_a_repeat_gets_its_own_code_that_leads_to_the_same_request(
    submit, code_in, client: TestClient, rt: Runtime
) -> None:
    first = submit(phone="2075550123")
    second = submit(phone="(207) 555-0123")
    first_code, second_code = code_in(first.text), code_in(second.text)
    assert first_code != second_code
    assert requests_stored(rt) == 1
    # The two pages differ only in the code and the time: no "already registered" oracle.
    strip = lambda html: re.sub(r"\d{2}:\d{2} UTC|[A-Z0-9]{10}", "", html)  # noqa: E731
    assert strip(first.text) == strip(second.text)
    with rt.db.transaction(read_only=True) as s:
        reference = s.scalar(select(DncReference))
        request = s.scalar(select(DncRequest))
        assert reference is not None and request is not None
        assert reference.request_id == request.id and reference.code == second_code
    for code in (first_code, second_code):
        page = client.get(f"/do-not-call/status?code={code.lower()}")
        assert "•••-•••-0123" in page.text
        assert first_code not in page.text or code == first_code


def test_a_filled_honeypot_records_nothing_but_looks_the_same(submit, code_in, rt: Runtime) -> None:
    response = submit(phone="2075550123", website="http://spam.example")
    assert response.status_code == 200
    assert code_in(response.text)
    assert requests_stored(rt) == 0


def test_a_post_without_the_csrf_token_records_nothing(client: TestClient, rt: Runtime) -> None:
    client.get("/do-not-call")
    response = client.post("/do-not-call", data={"phone": "2075550123", "csrf": "forged.token"})
    assert response.status_code == 403
    assert "expired" in response.text
    fresh = TestClient(client.app)
    assert fresh.post("/do-not-call", data={"phone": "2075550123"}).status_code == 403
    assert requests_stored(rt) == 0


def test_the_eleventh_submission_in_an_hour_is_refused_kindly(submit, rt: Runtime) -> None:
    statuses = [submit(phone=f"20755501{n:02d}").status_code for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert requests_stored(rt) == 10


def test_too_much_text_is_refused(submit, rt: Runtime) -> None:
    assert submit(phone="2075550123", name="x" * 20_000).status_code == 413
    assert requests_stored(rt) == 0


def test_a_long_name_is_refused_with_a_message(submit, rt: Runtime) -> None:
    response = submit(phone="2075550123", name="x" * 300)
    assert response.status_code == 422 and "too long" in response.text
    assert requests_stored(rt) == 0


def test_an_unknown_code_gets_the_same_page_as_any_other_unknown_code(client: TestClient) -> None:
    one = client.get("/do-not-call/status?code=ABCDEFGHJK")
    two = client.get("/do-not-call/status?code=ZZZZZZZZZZ")
    assert one.status_code == two.status_code == 200
    assert "could not find" in one.text
    assert one.text.replace("ABCDEFGHJK", "") == two.text.replace("ZZZZZZZZZZ", "")


def test_the_status_page_shows_only_that_request(submit, code_in, client: TestClient) -> None:
    ann = code_in(submit(phone="2075550123").text)
    submit(phone="2075550188")
    page = client.get(f"/do-not-call/status?code={ann}")
    assert "•••-•••-0123" in page.text and "0188" not in page.text
    assert ann in page.text


def test_a_seller_page_that_does_not_exist_is_not_found(client: TestClient) -> None:
    assert client.get("/do-not-call/no-such-seller").status_code == 404


def test_each_seller_has_its_own_page_and_list(submit, code_in, rt: Runtime) -> None:
    page = submit("/do-not-call/birch", phone="2075550123")
    assert "Birch Energy" in page.text
    main = submit(phone="2075550123")
    assert "Acme Home Services" in main.text
    with rt.db.transaction(read_only=True) as s:
        sellers = sorted(s.scalars(select(DncRequest.seller_slug)))
    assert sellers == ["acme", "birch"]


def test_the_stylesheet_and_script_are_served_and_nothing_else(client: TestClient) -> None:
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert client.get("/static/site.js").status_code == 200
    assert client.get("/static/..%2Fendpoints.py").status_code == 404
    assert client.get("/static/secret.key").status_code == 404


def test_hostile_text_is_escaped_on_the_page(submit) -> None:
    response = submit(phone="<script>alert(1)</script>", name="<img src=x onerror=alert(1)>")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_before_any_seller_is_set_up_the_page_says_so_kindly(tmp_path) -> None:
    from callkeep.app import create_app
    from callkeep.config import Settings
    from callkeep.kit.db import Base
    from callkeep.kit.runtime import build_runtime

    bare = build_runtime(Settings(data_dir=tmp_path / "bare"))
    Base.metadata.create_all(bare.db.engine)
    with TestClient(create_app(runtime=bare)) as fresh:
        response = fresh.get("/do-not-call")
    bare.db.dispose()
    assert response.status_code == 503
    assert "not ready yet" in response.text
