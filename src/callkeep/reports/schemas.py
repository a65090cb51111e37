"""Export filters and what checking a package finds."""

from __future__ import annotations

from datetime import date

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
