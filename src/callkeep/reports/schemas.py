"""Export filters and what checking a package finds."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AliasChoices, BaseModel, Field


class ExportFilters(BaseModel):
    """Which records a package holds; every filter is optional (dates are UTC days)."""

    date_from: date | None = Field(None, validation_alias=AliasChoices("from", "date_from"))
    date_to: date | None = Field(None, validation_alias=AliasChoices("to", "date_to"))
    seller: str | None = None
    campaign: str | None = None
    phone: str | None = None


class PackageCheck(BaseModel):
    intact: bool
    files: int
    records: int
    problems: list[str]


class ProcedureIn(BaseModel):
    """A new version of a written procedure."""

    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    content: str = Field(max_length=500_000)
    effective_at: datetime | None = None


class TrainingIn(BaseModel):
    """Someone trained in a procedure (default: its newest version)."""

    trainee: str = Field(max_length=200)
    procedure: str = Field(max_length=80)
    version: int | None = None
    trained_at: datetime
    trainer: str | None = Field(None, max_length=200)


class HoldIn(BaseModel):
    """A legal hold on exactly one of a seller, a number, a campaign."""

    seller: str | None = None
    phone: str | None = None
    campaign: str | None = None
    reason: str = Field(max_length=2000)
