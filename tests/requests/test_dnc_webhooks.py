"""Texts and key presses: signed webhooks record requests with the words that asked."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from callkeep.kit.runtime import Runtime
from callkeep.requests import webhooks

ANN = "+12075550123"


@pytest.fixture
def secrets_(rt: Runtime) -> dict[str, str]:
    with rt.db.transaction() as s:
        return {
            channel: webhooks.ensure_secret(session=s, actor="test", channel=channel)
            for channel in webhooks.WEBHOOK_CHANNELS
        }


def signed(secret: str, body: bytes, content_type: str) -> dict[str, str]:
    return {"Content-Type": content_type, "X-Callkeep-Signature": webhooks.sign(secret, body)}


def twilio(body_text: str, sender: str = "+12075550123") -> bytes:
    form = {"From": sender, "To": "+12075559999", "Body": body_text, "MessageSid": "SM123"}
    return urlencode(form).encode()


FORM = "application/x-www-form-urlencoded"


def test_a_signed_twilio_stop_text_records_a_request_with_its_wording(
    client: TestClient, secrets_, headers
) -> None:
    body = twilio("Please STOP texting me!")
    response = client.post(
        "/api/v1/webhooks/sms", content=body, headers=signed(secrets_["sms"], body, FORM)
    )
    assert response.status_code == 200, response.text
    assert response.json()["opt_out"] is True
    made = client.get(
        f"/api/v1/dnc-requests/{response.json()['request_id']}", headers=headers["admin"]
    )
    request = made.json()
    assert request["channel"] == "sms" and request["phone"] == ANN
    assert request["matched_wording"] == "stop texting"
    assert "Please STOP texting me!" in request["evidence"]


def test_the_raw_text_is_kept_encrypted(client: TestClient, secrets_, rt: Runtime) -> None:
    body = twilio("unsubscribe")
    client.post("/api/v1/webhooks/sms", content=body, headers=signed(secrets_["sms"], body, FORM))
    with rt.db.transaction(read_only=True) as s:
        stored = s.execute(text("SELECT evidence, matched_wording FROM dnc_requests")).one()
    assert "unsubscribe" not in stored[0] and "unsubscribe" not in stored[1]


def test_a_telnyx_style_json_text_is_understood(client: TestClient, secrets_) -> None:
    payload = {
        "data": {
            "payload": {
                "id": "m-1",
                "from": {"phone_number": "+12075550123"},
                "to": [{"phone_number": "+12075559999"}],
                "text": "Take me off your list",
            }
        }
    }
    body = json.dumps(payload).encode()
    response = client.post(
        "/api/v1/webhooks/sms",
        content=body,
        headers=signed(secrets_["sms"], body, "application/json"),
    )
    assert response.status_code == 200
    assert response.json()["matched"] == "take me off"


def test_an_ordinary_reply_records_nothing(client: TestClient, secrets_, headers) -> None:
    body = twilio("What time do you open?")
    response = client.post(
        "/api/v1/webhooks/sms", content=body, headers=signed(secrets_["sms"], body, FORM)
    )
    assert response.json() == {
        "opt_out": False,
        "request_id": None,
        "confirmation_code": None,
        "matched": None,
        "review_item_id": None,
    }
    assert client.get("/api/v1/dnc-requests", headers=headers["admin"]).json()["total"] == 0


def test_a_repeated_stop_text_returns_the_same_request(client: TestClient, secrets_) -> None:
    ids = set()
    for words in ("STOP", "stop.", "END"):
        body = twilio(words)
        response = client.post(
            "/api/v1/webhooks/sms", content=body, headers=signed(secrets_["sms"], body, FORM)
        )
        ids.add(response.json()["request_id"])
    assert len(ids) == 1


def test_a_wrong_or_missing_signature_is_refused(client: TestClient, secrets_) -> None:
    body = twilio("STOP")
    forged = signed("not-the-secret", body, FORM)
    assert client.post("/api/v1/webhooks/sms", content=body, headers=forged).status_code == 401
    plain = {"Content-Type": FORM}
    assert client.post("/api/v1/webhooks/sms", content=body, headers=plain).status_code == 401
    tampered = signed(secrets_["sms"], body, FORM)
    other = twilio("STOP", sender="+12075550188")
    assert client.post("/api/v1/webhooks/sms", content=other, headers=tampered).status_code == 401


def test_a_dialer_token_may_post_instead_of_a_signature(client: TestClient, headers) -> None:
    body = twilio("cancel")
    response = client.post(
        "/api/v1/webhooks/sms", content=body, headers={**headers["dialer"], "Content-Type": FORM}
    )
    assert response.status_code == 200 and response.json()["opt_out"] is True
    auditor = client.post(
        "/api/v1/webhooks/sms", content=body, headers={**headers["auditor"], "Content-Type": FORM}
    )
    assert auditor.status_code == 403


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"text": "STOP"}', "application/json"),
        (b"Body=STOP", FORM),
        (urlencode({"From": "not a number", "Body": "STOP"}).encode(), FORM),
        (b"\xff\xfe", FORM),
        (b"STOP", "text/plain"),
    ],
)
def test_malformed_texts_are_refused_and_logged_without_the_message(
    client: TestClient, secrets_, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.WARNING, logger="callkeep.requests.webhooks")
    response = client.post(
        "/api/v1/webhooks/sms", content=body, headers=signed(secrets_["sms"], body, content_type)
    )
    assert 400 <= response.status_code < 500
    assert any("sms webhook refused" in r.getMessage() for r in caplog.records)
    assert not any("not a number" in r.getMessage() for r in caplog.records)


def test_the_opt_out_key_press_records_a_request_at_once(
    client: TestClient, secrets_, headers
) -> None:
    body = json.dumps({"digit": "9", "phone": "207-555-0123", "campaign": "winter-oil"}).encode()
    response = client.post(
        "/api/v1/webhooks/keypress",
        content=body,
        headers=signed(secrets_["keypress"], body, "application/json"),
    )
    assert response.status_code == 200, response.text
    made = client.get(
        f"/api/v1/dnc-requests/{response.json()['request_id']}", headers=headers["admin"]
    ).json()
    assert made["channel"] == "keypress" and made["matched_wording"] == "pressed 9"
    assert made["purpose"] == "winter-oil"


def test_another_key_records_nothing(client: TestClient, secrets_) -> None:
    body = json.dumps({"digit": "1", "phone": ANN}).encode()
    response = client.post(
        "/api/v1/webhooks/keypress",
        content=body,
        headers=signed(secrets_["keypress"], body, "application/json"),
    )
    assert response.json()["opt_out"] is False


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"digit": "9"}',
        b'{"digit": "9", "phone": "12"}',
        b"nope",
        b'{"digit": "9", "call_id": "unknown"}',
    ],
)
def test_malformed_key_presses_are_refused(client: TestClient, secrets_, body: bytes) -> None:
    response = client.post(
        "/api/v1/webhooks/keypress",
        content=body,
        headers=signed(secrets_["keypress"], body, "application/json"),
    )
    assert response.status_code == 422


def test_a_secret_is_made_once_and_rotated_on_demand(rt: Runtime) -> None:
    with rt.db.transaction() as s:
        first = webhooks.ensure_secret(session=s, actor="test", channel="sms")
        assert webhooks.ensure_secret(session=s, actor="test", channel="sms") == first
        rotated = webhooks.ensure_secret(session=s, actor="test", channel="sms", rotate=True)
        assert rotated != first
        assert webhooks.current_secret(session=s, channel="sms") == rotated
