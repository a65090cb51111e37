"""The records the law asks for (16 CFR 310.5): calls, interactions, consents, purchases,
inquiries, and the amendments that correct any record.

Every table deriving from `Recorded` is evidence, written once through the ledger. A correction
is an `Amendment` naming the original. The parties' tables (sellers, campaigns, employees,
contacts) are in `records/parties/models.py`, imported here so the domain's tables load as one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.crypto import EncryptedText
from callkeep.kit.db import Base, UTCDateTime
from callkeep.ledger.models import Recorded
from callkeep.records.parties import models as _parties_tables  # noqa: F401  (load as one)


class Call(Recorded):
    """A record of one telemarketing call: every field of 16 CFR 310.5(a)(2)."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("seller_id", "external_call_id", name="uq_calls_seller_external"),
        Index("ix_calls_seller_started", "seller_id", "started_at"),
        # Covers the staff app's dashboard and trends (records/trends.py): their counts over a
        # period read this index alone, never the rows with their encrypted fields.
        Index(
            "ix_calls_started_figures",
            "started_at",
            "seller_id",
            "campaign_id",
            "disposition",
            "called_number",
            "telemarketer_name",
            "outcome",
        ),
        # The calls list's stable order (records/call_pages.py): newest first, then by id.
        Index("ix_calls_started_id", "started_at", "id"),
        # Whose contacts an agent works (records/worked.py): the calls they recorded, by number.
        Index("ix_calls_recorded_by", "recorded_by", "called_number", "contact_id"),
    )

    employee_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    telemarketer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    seller_id: Mapped[str] = mapped_column(String(26))
    campaign_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    contact_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(400))
    consumer_or_business: Mapped[str] = mapped_column(String(10))
    outbound: Mapped[bool] = mapped_column(Boolean)
    prerecorded: Mapped[bool] = mapped_column(Boolean)
    manual_dial: Mapped[bool] = mapped_column(Boolean, default=False)
    calling_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    called_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    script_version_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    message_version_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    caller_id_number: Mapped[str] = mapped_column(String(20))
    caller_id_name: Mapped[str | None] = mapped_column(String(40), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(20), nullable=True)
    transfer_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    transfer_company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notes: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    recording_ref: Mapped[str | None] = mapped_column(String(400), nullable=True)
    decision_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    external_call_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


class Interaction(Recorded):
    """An email, text, letter or in-person meeting with a contact."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_recorded_by", "recorded_by", "contact_id"),)

    kind: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    seller_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    employee_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    outbound: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(400), nullable=True)
    notes: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)


class Consent(Recorded):
    """A complete record of consent (310.5(a)(8)): who, the request as shown, the consent."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_seller_phone", "seller_id", "phone"),)

    seller_id: Mapped[str] = mapped_column(String(26))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(26), nullable=True, index=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    request_text: Mapped[str] = mapped_column(EncryptedText)
    request_format: Mapped[str] = mapped_column(String(40), default="text/plain")
    purpose: Mapped[str] = mapped_column(String(400))
    consent_text: Mapped[str] = mapped_column(EncryptedText)
    kind: Mapped[str] = mapped_column(String(10))  # written | express
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConsentRevocation(Recorded):
    """A consent withdrawn; the consent no longer counts from `revoked_at`."""

    __tablename__ = "consent_revocations"

    consent_id: Mapped[str] = mapped_column(String(26), index=True)
    seller_id: Mapped[str] = mapped_column(String(26))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Purchase(Recorded):
    """A customer's purchase (310.5(a)(4)); the start of a transaction-based EBR."""

    __tablename__ = "purchases"

    contact_id: Mapped[str] = mapped_column(String(26), index=True)
    seller_id: Mapped[str] = mapped_column(String(26), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    goods: Mapped[str] = mapped_column(String(400))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    amount_cents: Mapped[int] = mapped_column(Integer)


class Inquiry(Recorded):
    """A person's inquiry or application (310.5(a)(5)); the start of an inquiry-based EBR."""

    __tablename__ = "inquiries"

    contact_id: Mapped[str] = mapped_column(String(26), index=True)
    seller_id: Mapped[str] = mapped_column(String(26), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    goods: Mapped[str] = mapped_column(String(400))
    inquired_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Amendment(Recorded):
    """A correction of an earlier record: what changes, why, and (as recorded_by) who."""

    __tablename__ = "amendments"
    __table_args__ = (Index("ix_amendments_target", "target_type", "target_id"),)

    target_type: Mapped[str] = mapped_column(String(80))
    target_id: Mapped[str] = mapped_column(String(26))
    changes: Mapped[str] = mapped_column(EncryptedText)  # JSON object, canonical values
    reason: Mapped[str] = mapped_column(EncryptedText)


# The dashboard's daily roll-ups (records/rollups.py): a cache derived from `calls`, not evidence.


class CallDayCount(Base):
    """How many calls of one day had this seller, campaign and disposition."""

    __tablename__ = "call_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(26), primary_key=True)  # "" for none
    disposition: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" for none
    calls: Mapped[int] = mapped_column(Integer)


class CallHourCount(Base):
    """How many calls of one day, seller and campaign rang at this local hour, and how many of
    them a person answered (calls to a number with no known place are not counted here)."""

    __tablename__ = "call_hour_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(26), primary_key=True)  # "" for none
    local_hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)


class CallOutcomeCount(Base):
    """How many calls of one day, seller and campaign one agent (the telemarketer's name, else
    the employee; "" for none) made with this disposition and outcome ("" for none)."""

    __tablename__ = "call_outcome_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(26), primary_key=True)  # "" for none
    agent: Mapped[str] = mapped_column(String(200), primary_key=True)
    disposition: Mapped[str] = mapped_column(String(20), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(200), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)


class CallDayCounted(Base):
    """A day whose counts are in `call_day_counts`, and the ledger sequence they reflect."""

    __tablename__ = "call_days_counted"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ledger_seq: Mapped[int] = mapped_column(Integer)
