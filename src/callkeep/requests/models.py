"""Consumers' Do-Not-Call requests, the references handed out for them, and the review queue.

Every table here is evidence: written once through the ledger, never updated or deleted. A
review item is resolved by a new `ReviewResolution` record, never by editing the item.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.crypto import EncryptedText
from callkeep.kit.db import UTCDateTime
from callkeep.ledger.models import Recorded


class DncRequest(Recorded):
    """One consumer's request not to be called by one seller (16 CFR 310.5(a)(10))."""

    __tablename__ = "dnc_requests"
    __table_args__ = (
        UniqueConstraint("seller_id", "phone", name="uq_dnc_requests_seller_phone"),
        Index("ix_dnc_requests_received", "received_at"),
    )

    seller_id: Mapped[str] = mapped_column(String(40))
    seller_slug: Mapped[str] = mapped_column(String(80), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # Further numbers the person named in the same request, E.164 joined by spaces.
    other_phones: Mapped[str | None] = mapped_column(String(400), nullable=True)
    name: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    email: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    telemarketer_employee_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    telemarketer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    call_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(400), nullable=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    evidence: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    matched_wording: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmation_code: Mapped[str] = mapped_column(String(16), unique=True)
    deadline: Mapped[date] = mapped_column(Date)
    honored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Known when the request is recorded (the block is added in the same transaction).
    honored_in_time: Mapped[bool | None] = mapped_column(nullable=True)
    entity_entry_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    revocation_ids: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    retain_until: Mapped[date] = mapped_column(Date)


class DncReference(Recorded):
    """A further confirmation code for an existing request, handed to a repeat submission.

    The public page gives every submission its own code, so a repeat never reveals that the
    number was already on the list, nor the first submitter's code.
    """

    __tablename__ = "dnc_request_references"

    request_id: Mapped[str] = mapped_column(String(26), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewItem(Recorded):
    """An inbound message that may be a request but needs a person to confirm it."""

    __tablename__ = "dnc_review_items"

    channel: Mapped[str] = mapped_column(String(20))
    seller_slug: Mapped[str] = mapped_column(String(80))
    source: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    evidence: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    candidate_phones: Mapped[str | None] = mapped_column(String(400), nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewResolution(Recorded):
    """How a person resolved a review item: made it a request, or dismissed it."""

    __tablename__ = "dnc_review_resolutions"

    review_item_id: Mapped[str] = mapped_column(String(26), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    note: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)


class WebhookSecret(Recorded):
    """The shared secret a channel's sender signs webhook bodies with; the newest one counts."""

    __tablename__ = "dnc_webhook_secrets"

    channel: Mapped[str] = mapped_column(String(20), index=True)
    secret: Mapped[str] = mapped_column(EncryptedText)


class DialerWebhook(Recorded):
    """A dialer that is told of each new request (`dialer_webhooks`); None seller: every one."""

    __tablename__ = "dnc_dialer_webhooks"

    url: Mapped[str] = mapped_column(EncryptedText)  # may hold the dialer's credentials
    seller_slug: Mapped[str | None] = mapped_column(String(80), nullable=True)
    secret: Mapped[str] = mapped_column(EncryptedText)


class DialerWebhookEnd(Recorded):
    """The end of a dialer webhook: from then on it is told nothing."""

    __tablename__ = "dnc_dialer_webhook_ends"

    webhook_id: Mapped[str] = mapped_column(String(26), unique=True)


class DialerDelivery(Recorded):
    """One attempt to tell a dialer of one request, and how it went."""

    __tablename__ = "dnc_dialer_deliveries"
    __table_args__ = (
        Index("ix_dnc_dialer_deliveries_webhook_request", "webhook_id", "request_id"),
    )

    webhook_id: Mapped[str] = mapped_column(String(26))
    request_id: Mapped[str] = mapped_column(String(26))
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    delivered: Mapped[bool] = mapped_column(Boolean)


class DialerVicidialTarget(Recorded):
    """What makes a dialer webhook speak VICIdial's non-agent API (`add_dnc_phone`) instead of
    posting callkeep's signed JSON; the API user's password is the webhook's (encrypted) secret."""

    __tablename__ = "dnc_dialer_vicidial_targets"

    webhook_id: Mapped[str] = mapped_column(String(26), unique=True)
    api_user: Mapped[str] = mapped_column(EncryptedText)
    campaign_id: Mapped[str] = mapped_column(String(30))  # a campaign or SYSTEM_INTERNAL
    source: Mapped[str] = mapped_column(String(20))
