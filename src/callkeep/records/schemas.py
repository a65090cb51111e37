"""What the records domain reads and writes over HTTP and the command line: calls,
interactions, consents, purchases, inquiries, amendments, timelines (the parties' own are in
`records/parties/schemas.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from callkeep.kit.bounds import CallSeconds, Cents, Instant
from callkeep.records.calls.requirements import required_as_checked
from callkeep.records.parties.schemas import Channel

Disposition = Literal[
    "answered_person", "answering_machine", "no_answer", "busy", "dropped", "transferred"
]
ConsumerOrBusiness = Literal["consumer", "business"]
ConsentKind = Literal["written", "express"]
InteractionKind = Literal["email", "text", "letter", "in_person"]


_NUL_MESSAGE = "Value error, a text may not hold the NUL character"


class CallIn(BaseModel):
    """A call as a dialer posts it; required fields are checked together so each is named."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra=required_as_checked)

    telemarketer: str | None = Field(default=None, max_length=200)
    employee_id: str | None = Field(
        default=None,
        max_length=40,
        validation_alias=AliasChoices("employee_id", "telemarketer_id"),
    )
    telemarketer_name: str | None = Field(default=None, max_length=200)
    seller: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=200)
    contact_id: str | None = Field(default=None, max_length=40)
    subject: str | None = Field(
        default=None,
        max_length=400,
        validation_alias=AliasChoices("subject", "product_or_purpose"),
    )
    consumer_or_business: ConsumerOrBusiness | None = None
    outbound: bool | None = None
    prerecorded: bool | None = None
    manual_dial: bool = False
    calling_number: str | None = Field(default=None, max_length=40)
    called_number: str | None = Field(default=None, max_length=40)
    started_at: Instant | None = None
    duration_seconds: CallSeconds | None = None
    script_version_id: str | None = Field(default=None, max_length=40)
    message_version_id: str | None = Field(default=None, max_length=40)
    caller_id_number: str | None = Field(default=None, max_length=40)
    caller_id_name: str | None = Field(default=None, max_length=40)
    disposition: Disposition | None = None
    transfer_to: str | None = Field(default=None, max_length=200)
    transfer_company: str | None = Field(default=None, max_length=200)
    outcome: str | None = Field(default=None, max_length=200)
    notes: str | None = None
    recording_ref: str | None = Field(default=None, max_length=400)
    decision_id: str | None = Field(default=None, max_length=40)
    external_call_id: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _no_nul(self) -> CallIn:
        # PostgreSQL's text holds no NUL character: refused here, naming the field. One pass
        # over the validated values, not a validator per field: this runs for every call of a
        # 100,000-line import.
        if "\x00" not in "".join(map(str, self.__dict__.values())):  # no text, no NUL printed
            return self
        for name, value in self.__dict__.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError.from_exception_data(
                    type(self).__name__,
                    [
                        InitErrorDetails(
                            type=PydanticCustomError("value_error", _NUL_MESSAGE),
                            loc=(name,),
                            input=value,
                        )
                    ],
                )
        return self


class AmendmentIn(BaseModel):
    changes: dict[str, Any] = Field(min_length=1)
    reason: str = Field(min_length=1)


class AmendmentOut(BaseModel):
    id: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    reason: str
    recorded_by: str
    recorded_at: datetime


class CallOut(BaseModel):
    id: str
    employee_id: str | None
    telemarketer_name: str | None
    seller_id: str
    campaign_id: str | None
    contact_id: str | None
    subject: str
    consumer_or_business: str
    outbound: bool
    prerecorded: bool
    manual_dial: bool
    calling_number: str | None
    called_number: str | None
    started_at: datetime | None
    duration_seconds: int | None
    script_version_id: str | None
    message_version_id: str | None
    caller_id_number: str
    caller_id_name: str | None
    disposition: str | None
    transfer_to: str | None
    transfer_company: str | None
    outcome: str | None
    notes: str | None
    recording_ref: str | None
    decision_id: str | None
    external_call_id: str | None
    recorded_at: datetime
    recorded_by: str
    amendments: list[AmendmentOut] = Field(default_factory=list)


class CallPage(BaseModel):
    items: list[CallOut]
    total: int
    limit: int
    offset: int


class InteractionIn(BaseModel):
    kind: InteractionKind
    contact_id: str | None = None
    seller: str | None = None
    employee: str | None = None
    outbound: bool = True
    occurred_at: Instant
    address: str | None = None
    subject: str | None = Field(default=None, max_length=400)
    notes: str | None = None


class InteractionOut(BaseModel):
    id: str
    kind: str
    contact_id: str | None
    seller_id: str | None
    employee_id: str | None
    outbound: bool
    occurred_at: datetime
    address: str | None
    subject: str | None
    notes: str | None
    recorded_at: datetime


class ConsentIn(BaseModel):
    name: str = Field(min_length=1)
    phone: str
    seller: str | None = None
    contact_id: str | None = None
    request_text: str = Field(min_length=1)
    request_format: str = Field(default="text/plain", max_length=40)
    purpose: str = Field(min_length=1, max_length=400)
    consent_text: str = Field(min_length=1)
    kind: ConsentKind
    given_at: Instant
    signature: str | None = None
    expires_at: Instant | None = None


class RevocationOut(BaseModel):
    id: str
    consent_id: str
    seller_id: str
    phone: str
    channel: str
    evidence: str | None
    reference: str | None
    revoked_at: datetime
    recorded_by: str


class ConsentOut(BaseModel):
    id: str
    seller_id: str
    phone: str
    contact_id: str | None
    name: str
    request_text: str
    request_format: str
    purpose: str
    consent_text: str
    kind: str
    given_at: datetime
    signature: str | None
    expires_at: datetime | None
    recorded_at: datetime
    revoked_at: datetime | None = None
    revocations: list[RevocationOut] = Field(default_factory=list)


class RevocationIn(BaseModel):
    consent_id: str | None = None
    phone: str | None = None
    seller: str | None = None
    channel: Channel = "phone"
    evidence: str | None = None
    reference: str | None = Field(default=None, max_length=200)
    revoked_at: Instant | None = None


class PurchaseIn(BaseModel):
    contact_id: str
    seller: str | None = None
    phone: str | None = None
    goods: str = Field(min_length=1, max_length=400)
    purchased_at: Instant
    shipped_at: Instant | None = None
    amount_cents: Cents


class PurchaseOut(BaseModel):
    id: str
    contact_id: str
    seller_id: str
    phone: str | None
    goods: str
    purchased_at: datetime
    shipped_at: datetime | None
    amount_cents: int
    recorded_at: datetime


class InquiryIn(BaseModel):
    contact_id: str
    seller: str | None = None
    phone: str | None = None
    goods: str = Field(min_length=1, max_length=400)
    inquired_at: Instant


class InquiryOut(BaseModel):
    id: str
    contact_id: str
    seller_id: str
    phone: str | None
    goods: str
    inquired_at: datetime
    recorded_at: datetime


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    id: str
    summary: str
    record: dict[str, Any]
