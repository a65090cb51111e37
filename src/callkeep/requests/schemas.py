"""What goes in and out of the requests domain over HTTP and the command line."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from callkeep.kit.bounds import Instant
from callkeep.ledger.schemas import CheckpointOut


class Channel(StrEnum):
    """How the consumer made the request."""

    WEB = "web"
    AGENT = "agent"
    PHONE = "phone"
    SMS = "sms"
    KEYPRESS = "keypress"
    EMAIL = "email"
    MAIL = "mail"
    IN_PERSON = "in_person"


class RequestStatus(StrEnum):
    """Met: honored within ten business days; open: not yet honored, still in time; overdue."""

    MET = "met"
    OPEN = "open"
    OVERDUE = "overdue"


class DncRequestCreate(BaseModel):
    """A request as staff, a webhook or the public page hands it in."""

    model_config = ConfigDict(populate_by_name=True)

    phone: str = Field(min_length=1, max_length=40, description="the number not to call")
    other_phones: list[str] = Field(default_factory=list, max_length=10)
    seller: str | None = Field(None, max_length=80, description="seller id or slug; default seller")
    channel: Channel = Field(
        Channel.AGENT,
        validation_alias=AliasChoices("channel", "source"),
        description="how the consumer asked (also accepted as `source`)",
    )
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    telemarketer: str | None = Field(
        None, max_length=200, description="the employee (id or name) or company that called"
    )
    call_id: str | None = Field(None, max_length=40, description="the call the request was made on")
    purpose: str | None = Field(None, max_length=400, description="goods, services or purpose")
    evidence: str | None = Field(None, max_length=100_000, description="message, email or notes")
    matched_wording: str | None = Field(None, max_length=200)
    received_at: Instant | None = Field(None, description="when the consumer asked; default now")


class DncRequestOut(BaseModel):
    """A recorded request with its derived status."""

    id: str
    confirmation_code: str
    seller_id: str
    seller: str
    phone: str
    other_phones: list[str]
    name: str | None
    email: str | None
    telemarketer_employee_id: str | None
    telemarketer_name: str | None
    call_id: str | None
    purpose: str | None
    channel: str
    evidence: str | None
    matched_wording: str | None
    received_at: datetime
    recorded_at: datetime
    recorded_by: str
    deadline: date
    honored_at: datetime | None
    entity_entry_id: str | None
    consent_revocation_ids: list[str]
    status: RequestStatus
    retain_until: date
    created: bool = Field(True, description="false when an earlier request is returned instead")
    checkpoint: CheckpointOut | None = Field(
        None,
        description="on the answer to a new request: the ledger's signed checkpoint in force, "
        "for the consumer's receipt (null when none has been made yet)",
    )


class DncRequestPage(BaseModel):
    items: list[DncRequestOut]
    total: int
    limit: int
    offset: int


class ReviewItemOut(BaseModel):
    """An inbound message waiting for a person, or already resolved."""

    id: str
    channel: str
    seller: str
    source: str | None
    evidence: str | None
    candidate_phones: list[str]
    reason: str
    received_at: datetime
    recorded_at: datetime
    resolution: str | None
    request_id: str | None


class ReviewResolve(BaseModel):
    """Resolve a review item: give the phone to record a request, or dismiss it."""

    phone: str | None = Field(None, max_length=40)
    dismiss: bool = False
    note: str | None = Field(None, max_length=2000)


class KeypressIn(BaseModel):
    """A key-press opt-out on a prerecorded call."""

    digit: str = Field(min_length=1, max_length=4)
    phone: str | None = Field(None, max_length=40, description="the number that was called")
    call_id: str | None = Field(None, max_length=40)
    seller: str | None = Field(None, max_length=80)
    campaign: str | None = Field(None, max_length=80)
    opt_out_digits: str = Field("9", max_length=10, description="digits that mean opt out")
    received_at: Instant | None = None


class WebhookAccepted(BaseModel):
    """What a webhook sender gets back."""

    opt_out: bool
    request_id: str | None = None
    confirmation_code: str | None = None
    matched: str | None = None
    review_item_id: str | None = None


class ImportSummary(BaseModel):
    """What an email import did."""

    messages: int
    requests: int
    repeats: int
    queued: int
