"""Inbound opt-outs from machines: carrier text webhooks and key presses on prerecorded calls.

Senders authenticate with an HMAC-SHA256 signature of the raw body under a per-channel secret
(`X-Callkeep-Signature: sha256=<hex>`), or with a bearer token. Payloads are read strictly;
what cannot be read is refused and logged without the consumer's data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import AuthenticationRequired, InvalidInput
from callkeep.kit.clock import parse_instant
from callkeep.ledger import service as ledger
from callkeep.phone.parse import try_normalize
from callkeep.requests import intent, peers, service
from callkeep.requests.models import WebhookSecret
from callkeep.requests.schemas import Channel, DncRequestCreate, KeypressIn, WebhookAccepted

log = logging.getLogger("callkeep.requests.webhooks")

SIGNATURE_HEADER = "x-callkeep-signature"
WEBHOOK_CHANNELS = ("sms", "keypress")


def _check_channel(channel: str) -> None:
    if channel not in WEBHOOK_CHANNELS:
        raise InvalidInput.for_field("channel", f"one of {', '.join(WEBHOOK_CHANNELS)}")


def current_secret(*, session: Session, channel: str) -> str | None:
    """The newest secret of a webhook channel, or None if none was made."""
    _check_channel(channel)
    row = session.scalar(
        select(WebhookSecret)
        .where(WebhookSecret.channel == channel)
        .order_by(WebhookSecret.recorded_at.desc(), WebhookSecret.id.desc())
        .limit(1)
    )
    return row.secret if row is not None else None


def ensure_secret(*, session: Session, actor: str, channel: str, rotate: bool = False) -> str:
    """The channel's secret, created (or replaced, with `rotate`) when needed."""
    found = current_secret(session=session, channel=channel)
    if found is not None and not rotate:
        return found
    secret = secrets.token_urlsafe(32)
    ledger.record(
        session=session,
        actor=actor,
        entity=WebhookSecret(channel=channel, secret=secret, recorded_by=actor),
    )
    return secret


def sign(secret: str, body: bytes) -> str:
    """The signature header value a sender puts on `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(*, session: Session, channel: str, body: bytes, header: str | None) -> None:
    """Accepts a body signed with the channel's secret; raises AuthenticationRequired otherwise."""
    secret = current_secret(session=session, channel=channel)
    if not header or secret is None:
        raise AuthenticationRequired(
            f"sign the body ({SIGNATURE_HEADER}: sha256=<hex>) or send a dialer bearer token"
        )
    if not hmac.compare_digest(sign(secret, body), header.strip().lower()):
        log.warning("%s webhook refused: signature does not match", channel)
        raise AuthenticationRequired("the webhook signature does not match the body")


@dataclass(frozen=True)
class InboundText:
    """A carrier's inbound text, whatever its wire shape."""

    sender: str
    recipient: str | None
    body: str
    message_id: str | None
    received_at: datetime | None


def _first(form: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        values = form.get(name)
        if values:
            return values[0]
    return None


def _malformed(channel: str, reason: str) -> InvalidInput:
    log.warning("%s webhook refused: %s", channel, reason)
    return InvalidInput.for_field("body", reason)


def _from_json(payload: Any) -> InboundText:
    if not isinstance(payload, dict):
        raise _malformed("sms", "the JSON body must be an object")
    data = payload.get("data", payload)
    if isinstance(data, dict) and isinstance(data.get("payload"), dict):
        data = data["payload"]  # Telnyx: {"data": {"payload": {...}}}
    if not isinstance(data, dict):
        raise _malformed("sms", "no message in the JSON body")
    sender = data.get("from")
    if isinstance(sender, dict):
        sender = sender.get("phone_number")
    recipient = data.get("to")
    if isinstance(recipient, list) and recipient:
        recipient = recipient[0]
    if isinstance(recipient, dict):
        recipient = recipient.get("phone_number")
    body = data.get("text", data.get("body"))
    when = data.get("received_at")
    if not isinstance(sender, str) or not isinstance(body, str):
        raise _malformed("sms", "a text needs 'from' and 'text' (or 'body')")
    message_id = data.get("id", data.get("message_id"))
    return InboundText(
        sender=sender,
        recipient=recipient if isinstance(recipient, str) else None,
        body=body,
        message_id=str(message_id) if message_id is not None else None,
        received_at=parse_instant(when, field="received_at") if isinstance(when, str) else None,
    )


def parse_inbound_text(*, content_type: str, body: bytes) -> InboundText:
    """Reads a Twilio-style form post or a Telnyx-style / generic JSON body."""
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("sms", "the body is not UTF-8") from None
    if "json" in content_type:
        try:
            return _from_json(json.loads(decoded))
        except json.JSONDecodeError:
            raise _malformed("sms", "the body is not valid JSON") from None
    if "x-www-form-urlencoded" not in content_type:
        raise _malformed("sms", "send application/x-www-form-urlencoded or application/json")
    form = parse_qs(decoded, keep_blank_values=True)
    sender = _first(form, "From", "from")
    text_body = _first(form, "Body", "body", "Text", "text")
    if sender is None or text_body is None:
        raise _malformed("sms", "a text needs From and Body")
    return InboundText(
        sender=sender,
        recipient=_first(form, "To", "to"),
        body=text_body,
        message_id=_first(form, "MessageSid", "SmsSid", "MessageId"),
        received_at=None,
    )


def accept_text(*, session: Session, actor: str, text: InboundText) -> WebhookAccepted:
    """Records a request when the text asks to stop; other texts are acknowledged, not kept."""
    sender = try_normalize(text.sender)
    if sender is None:
        raise _malformed("sms", "the sender is not a dialable number")
    found = intent.match_stop(text.body)
    if not found.opt_out:
        return WebhookAccepted(opt_out=False)
    recipient = try_normalize(text.recipient) if text.recipient else None
    seller = peers.seller_for_called_number(session=session, phone=recipient)
    evidence = json.dumps(
        {"from": sender, "to": recipient, "body": text.body, "message_id": text.message_id},
        ensure_ascii=False,
    )
    result = service.record_request(
        session=session,
        actor=actor,
        request_in=DncRequestCreate(
            phone=sender,
            seller=seller.slug,
            channel=Channel.SMS,
            evidence=evidence,
            matched_wording=found.matched,
            received_at=text.received_at,
        ),
    )
    return WebhookAccepted(
        opt_out=True,
        request_id=result.request.id,
        confirmation_code=result.request.confirmation_code,
        matched=found.matched,
    )


def _keypress_phone(session: Session, keypress: KeypressIn) -> str:
    if keypress.phone:
        phone = try_normalize(keypress.phone)
        if phone is None:
            raise _malformed("keypress", "phone is not a dialable number")
        return phone
    if keypress.call_id:
        phone_of = peers.phone_of_call(session=session, call_id=keypress.call_id)
        if phone_of is not None:
            return phone_of
        raise _malformed("keypress", "no call with that call_id; send the called phone")
    raise _malformed("keypress", "send the called phone or the call_id")


def accept_keypress(*, session: Session, actor: str, keypress: KeypressIn) -> WebhookAccepted:
    """Records a request when the pressed digit is an opt-out digit (16 CFR 310.4(b)(1)(v))."""
    phone = _keypress_phone(session, keypress)
    digit = keypress.digit.strip()
    if digit not in keypress.opt_out_digits:
        return WebhookAccepted(opt_out=False)
    seller = peers.resolve_seller(session=session, ref=keypress.seller)
    evidence = json.dumps(
        {
            "digit": digit,
            "phone": phone,
            "call_id": keypress.call_id,
            "campaign": keypress.campaign,
        }
    )
    result = service.record_request(
        session=session,
        actor=actor,
        request_in=DncRequestCreate(
            phone=phone,
            seller=seller.slug,
            channel=Channel.KEYPRESS,
            call_id=keypress.call_id,
            purpose=keypress.campaign,
            evidence=evidence,
            matched_wording=f"pressed {digit}",
            received_at=keypress.received_at,
        ),
    )
    return WebhookAccepted(
        opt_out=True,
        request_id=result.request.id,
        confirmation_code=result.request.confirmation_code,
        matched=f"pressed {digit}",
    )
