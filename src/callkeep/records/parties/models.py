"""The parties' tables: sellers, campaigns and their documents, employees, contacts.

Every table deriving from `Recorded` is evidence, written once through the ledger; a correction
is a records `Amendment` naming the original. The search tables at the bottom are plumbing
rebuilt from the current view of a contact, never evidence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callkeep.kit.crypto import EncryptedText
from callkeep.kit.db import Base, UTCDateTime
from callkeep.ledger.models import Recorded

# The slug of the seller every database holds from its first start (`sellers.ensure_default_seller`).
DEFAULT_SELLER_SLUG = "default"


class Seller(Recorded):
    """A business calls are made for."""

    __tablename__ = "sellers"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    screen_litigators: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Campaign(Recorded):
    """A seller's telemarketing of one product or purpose, with its caller ID and its proof."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("seller_id", "slug", name="uq_campaigns_seller_slug"),)

    seller_id: Mapped[str] = mapped_column(String(26), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(400))
    dialing_mode: Mapped[str] = mapped_column(String(20))
    caller_id_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    caller_id_name: Mapped[str | None] = mapped_column(String(40), nullable=True)
    caller_id_authorization: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    caller_id_authorized_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    caller_id_authorized_to: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignDocument(Recorded):
    """One immutable version of a script or prerecorded message (310.5(a)(1))."""

    __tablename__ = "campaign_documents"
    __table_args__ = (
        UniqueConstraint("campaign_id", "kind", "name", "version", name="uq_campaign_documents"),
    )

    campaign_id: Mapped[str] = mapped_column(String(26), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # script | prerecorded_message
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(40), default="text/plain")


class Employee(Recorded):
    """A person directly involved in telephone sales (310.5(a)(7))."""

    __tablename__ = "employees"

    name: Mapped[str] = mapped_column(EncryptedText)
    home_address: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    job_titles: Mapped[str] = mapped_column(String(1000), default="[]")  # JSON list


class FictitiousName(Recorded):
    """A name an employee uses on calls; traceable to exactly one employee."""

    __tablename__ = "employee_fictitious_names"

    employee_id: Mapped[str] = mapped_column(String(26), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)  # case-folded


class Contact(Recorded):
    """A person or business the seller deals with; names, emails, street are encrypted."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_recorded_by", "recorded_by"),)

    names: Mapped[str] = mapped_column(EncryptedText)  # JSON list
    phones: Mapped[str] = mapped_column(String(400), default="[]")  # JSON list of E.164
    emails: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)  # JSON list
    street: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    city: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    state: Mapped[str | None] = mapped_column(String(2), nullable=True)
    zip: Mapped[str | None] = mapped_column(String(10), nullable=True)
    preferences: Mapped[str] = mapped_column(String(2000), default="{}")  # JSON object
    tags: Mapped[str] = mapped_column(String(1000), default="[]")  # JSON list


# --- search plumbing, rebuilt from the current view of each contact -----------------------


class ContactPhone(Base):
    """One phone of a contact, with the contact's state and ZIP, for lookups by number."""

    __tablename__ = "contact_phone_index"

    contact_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    state: Mapped[str | None] = mapped_column(String(2), nullable=True)
    zip: Mapped[str | None] = mapped_column(String(10), nullable=True)


class ContactNameToken(Base):
    """A keyed digest of one lower-cased word of a contact's names (no plaintext stored)."""

    __tablename__ = "contact_name_tokens"

    contact_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
