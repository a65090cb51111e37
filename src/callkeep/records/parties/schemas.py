"""What the parties (sellers, campaigns, employees, contacts) read and write over HTTP and the
command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, model_validator

from callkeep.kit.bounds import Instant

DialingMode = Literal["manual", "predictive", "prerecorded"]
DocumentKind = Literal["script", "prerecorded_message"]
Channel = Literal["phone", "text", "email", "mail", "in_person", "web", "other"]

SLUG = r"^[a-z0-9][a-z0-9-]{0,79}$"


class SellerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=SLUG)
    address: str | None = Field(default=None, max_length=400)
    phone: str | None = None
    screen_litigators: bool = False
    is_default: bool = False


class SellerOut(BaseModel):
    id: str
    name: str
    slug: str
    address: str | None
    phone: str | None
    screen_litigators: bool
    is_default: bool
    recorded_at: datetime


class CampaignIn(BaseModel):
    seller: str | None = None
    slug: str = Field(pattern=SLUG)
    subject: str = Field(
        min_length=1, max_length=400, validation_alias=AliasChoices("subject", "product_or_purpose")
    )
    dialing_mode: DialingMode
    caller_id_number: str | None = None
    caller_id_name: str | None = Field(default=None, max_length=40)
    caller_id_authorization: str | None = None
    caller_id_authorized_from: Instant | None = None
    caller_id_authorized_to: Instant | None = None


class CampaignOut(BaseModel):
    id: str
    seller_id: str
    slug: str
    subject: str
    dialing_mode: str
    caller_id_number: str | None
    caller_id_name: str | None
    caller_id_authorization: str | None
    caller_id_authorized_from: datetime | None
    caller_id_authorized_to: datetime | None
    recorded_at: datetime


class DocumentIn(BaseModel):
    kind: DocumentKind
    name: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1)
    content_type: str = Field(default="text/plain", max_length=40)


class DocumentOut(BaseModel):
    id: str
    campaign_id: str
    kind: str
    name: str
    version: int
    content: str
    content_type: str
    recorded_at: datetime
    first_used_at: datetime | None = None
    last_used_at: datetime | None = None


class EmployeeIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    fictitious_names: list[str] = Field(default_factory=list)
    home_address: str | None = None
    phone: str | None = None
    job_titles: list[str] = Field(default_factory=list)


class EmployeeOut(BaseModel):
    id: str
    name: str
    fictitious_names: list[str]
    home_address: str | None
    phone: str | None
    job_titles: list[str]
    recorded_at: datetime


class FictitiousNameIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class Preferences(BaseModel):
    preferred_channel: Channel | None = None
    best_time_to_call: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=20)
    opt_outs: list[Channel] = Field(default_factory=list)


class ContactIn(BaseModel):
    """A contact; a single `name`, `phone` or `email`, and an `address` object, are accepted too."""

    names: list[str] = Field(min_length=1)
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    preferences: Preferences = Field(default_factory=Preferences)
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _singular_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        first, last = data.pop("first_name", None), data.pop("last_name", None)
        if (first or last) and not data.get("name"):
            data["name"] = " ".join(str(p) for p in (first, last) if p)
        for one, many in (("name", "names"), ("phone", "phones"), ("email", "emails")):
            if one in data:
                value = data.pop(one)
                if value is not None:
                    data[many] = [value, *[v for v in data.get(many) or [] if v != value]]
        address = data.get("address") or data.get("postal_address")
        if isinstance(address, dict):
            for key in ("street", "city", "state", "zip"):
                if key in address and data.get(key) is None:
                    data[key] = address[key]
            data.pop("address", None)
            data.pop("postal_address", None)
        zip_code = data.get("zip")
        if isinstance(zip_code, int) and not isinstance(zip_code, bool):
            # a ZIP sent as a JSON number is read as the text it stands for (4210 is 04210)
            data["zip"] = f"{zip_code:05d}" if 0 <= zip_code <= 99999 else str(zip_code)
        return data


class ContactOut(BaseModel):
    id: str
    name: str = ""
    names: list[str]
    phones: list[str]
    emails: list[str]
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    preferences: Preferences
    tags: list[str]
    recorded_at: datetime
    amended: bool = False
