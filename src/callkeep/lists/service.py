"""The lists' service: which lists hold which numbers at a given moment, and sellers' entries.

Other domains call `lookup_many`, `national_coverage`, `add_entity_entry` and `entity_entry_for`,
and the versions in force (`lists/versions.py`) through this module.
A check at time T uses, for each list, the newest version whose as-of date is on or before T's
(UTC) date; an entity entry counts from the moment it was recorded until it expires.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, cast, null, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect

from callkeep.errors import InvalidInput
from callkeep.kit.clock import iso, to_utc_second, utcnow
from callkeep.kit.sql import Prepared
from callkeep.ledger import service as ledger
from callkeep.lists import index
from callkeep.lists.models import EntityListEntry
from callkeep.lists.versions import VersionRow
from callkeep.lists.versions import coverage_of as coverage_of
from callkeep.lists.versions import latest_version as latest_version
from callkeep.lists.versions import snapshot_folder as snapshot_folder
from callkeep.lists.versions import version_index as version_index
from callkeep.lists.versions import versions_in_force as versions_in_force
from callkeep.phone import parse as phone_parse
from callkeep.rules import service as rules_service

NATIONAL = "national"
# The periods the law fixes, read from the rules data (rules/data/limits.toml).
SAFE_HARBOR_DAYS = rules_service.limits().registry_days
ENTITY_YEARS = rules_service.limits().entity_list_years
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY GU VI"
)
STATES = frozenset(_STATE_CODES.split())
_FEW = 200


@dataclass(frozen=True)
class ListAnswer:
    """One list's answer for many numbers: the version in force and a hit per number."""

    list: str
    version: str | None
    hits: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class NationalCoverage:
    """The national registry version in force, its as-of date and the area codes it covers."""

    version: str | None
    as_of: date | None
    area_codes: frozenset[int]


def list_name(text: str, *, session: Session | None = None) -> str:
    """The canonical name of a list: national, state:XX, entity:SELLER, litigator, wireless."""
    name = text.strip()
    lowered = name.lower()
    if lowered in (NATIONAL, "litigator", "wireless"):
        return lowered
    kind, _, rest = name.partition(":")
    if kind.lower() == "state" and rest.upper() in STATES:
        return f"state:{rest.upper()}"
    if kind.lower() == "entity" and rest:
        slug = (
            resolve_seller_slug(session=session, ref=rest) if session is not None else rest.lower()
        )
        return f"entity:{slug}"
    raise InvalidInput.for_field(
        "list",
        f"{text!r} is not a list: use national, state:XX, entity:SELLER, litigator, wireless",
    )


def resolve_seller_slug(*, session: Session, ref: str | None) -> str:
    """The slug of the seller named by `ref` (slug or id); an unknown seller is InvalidInput."""
    from callkeep.records import service as records  # records reads lists too: import on use

    return records.resolve_seller(session=session, ref=ref or None).slug


# --- look-ups -----------------------------------------------------------------------------


def lookup_many(
    *, session: Session, numbers: npt.NDArray[np.int64], at: datetime, seller_slug: str
) -> list[ListAnswer]:
    """Every list in force at `at` that has a version, with a hit per number (10-digit NANP).

    Consults national, every state:XX, litigator, wireless and entity:<seller_slug> (its
    imported files plus entries recorded at or before `at` and not yet expired).
    """
    moment = to_utc_second(at, field="at")
    queried = np.ascontiguousarray(numbers, dtype=np.int64)
    folder = snapshot_folder(session)
    entity = f"entity:{seller_slug}"
    answers: list[ListAnswer] = []
    in_force = versions_in_force(session=session, at=moment, seller_slug=seller_slug)
    for name, version in sorted(in_force.items()):
        if name == entity:
            continue
        loaded = version_index(session=session, folder=folder, version=version)
        answers.append(ListAnswer(name, version.label, loaded.contains(queried)))
    entity_answer = _entity_answer(
        session=session,
        folder=folder,
        numbers=queried,
        at=moment,
        seller_slug=seller_slug,
        version=in_force.get(entity),
    )
    if entity_answer is not None:
        answers.append(entity_answer)
    return answers


_ENTRY_COLUMNS = (
    EntityListEntry.phone,
    EntityListEntry.area_code,
    EntityListEntry.effective_at,
    EntityListEntry.expires_at,
)
_IN_FORCE = (
    EntityListEntry.seller_slug == bindparam("slug"),
    EntityListEntry.effective_at <= bindparam("at"),
    EntityListEntry.expires_at > bindparam("at"),
)
_EVERY_ENTRY = (
    select(
        EntityListEntry.phone,
        EntityListEntry.area_code,
        EntityListEntry.effective_at,
        EntityListEntry.id,
    )
    .where(*_IN_FORCE)
    .order_by(EntityListEntry.effective_at, EntityListEntry.id)
)
_NEWEST_ENTRY = (
    select(EntityListEntry.effective_at, EntityListEntry.id)
    .where(*_IN_FORCE)
    .order_by(EntityListEntry.effective_at.desc(), EntityListEntry.id.desc())
    .limit(1)
)


def _entries_naming() -> CompoundSelect[*tuple[Any, ...]]:
    """A seller's entries naming some numbers or their area codes (the lists ``phones`` and
    ``codes``), in force or not: two index
    searches (an OR would be served by no index); the times are checked on the few rows found.
    A third branch gives the seller's newest entry in force (`_NEWEST_ENTRY`), the list's label,
    so that a check asks for both in one statement; its row alone has an id (the entries' is
    null) and no phone, area code or expiry."""
    slug = EntityListEntry.seller_slug == bindparam("slug")
    newest = _NEWEST_ENTRY.subquery()
    no_id = cast(null(), EntityListEntry.id.type)
    return union_all(
        select(*_ENTRY_COLUMNS, no_id).where(
            slug, EntityListEntry.phone.in_(bindparam("phones", expanding=True))
        ),
        select(*_ENTRY_COLUMNS, no_id).where(
            slug, EntityListEntry.area_code.in_(bindparam("codes", expanding=True))
        ),
        select(
            cast(null(), EntityListEntry.phone.type),
            cast(null(), EntityListEntry.area_code.type),
            newest.c.effective_at,
            cast(null(), EntityListEntry.expires_at.type),
            newest.c.id,
        ),
    )


_ENTRIES_ASKED = Prepared(_entries_naming())


def _entity_answer(
    *,
    session: Session,
    folder: Path,
    numbers: npt.NDArray[np.int64],
    at: datetime,
    seller_slug: str,
    version: VersionRow | None,
) -> ListAnswer | None:
    """The seller's own list: its imported file in force (`version`) and its entries."""
    name = f"entity:{seller_slug}"
    params: dict[str, object] = {"slug": seller_slug, "at": at}
    entries: list[tuple[str | None, int | None]]
    newest: tuple[datetime, str] | None
    if numbers.size <= _FEW:
        # a single check asks about its own numbers only, not the whole list; the list's
        # label is still its newest entry in force, whichever numbers were asked about
        asked = [n for n in numbers.tolist() if 2_000_000_000 <= n < 10_000_000_000]
        asked_codes = sorted({n // index.SUBSCRIBERS for n in asked})
        wanted = {**params, "phones": [f"+1{n}" for n in asked], "codes": asked_codes}
        named = _ENTRIES_ASKED.rows(session, wanted)
        entries = [(r[0], r[1]) for r in named if r[4] is None and r[2] <= at < r[3]]
        newest = next(((r[2], r[4]) for r in named if r[4] is not None), None)
    else:
        rows = session.connection().execute(_EVERY_ENTRY, params).all()
        entries = [(r[0], r[1]) for r in rows]
        newest = (rows[-1][2], rows[-1][3]) if rows else None
    if version is None and newest is None:
        return None
    hits = np.zeros(numbers.size, dtype=bool)
    labels = []
    if version is not None:
        hits |= version_index(session=session, folder=folder, version=version).contains(numbers)
        labels.append(version.label)
    if entries:
        phones = [phone_parse.nanp_ten_digits(phone) for phone, _code in entries if phone]
        listed = np.unique(np.array([p for p in phones if p is not None], dtype=np.int64))
        hits |= np.isin(numbers, listed)
        codes = np.array([code for _phone, code in entries if code is not None], np.int64)
        if codes.size:
            hits |= np.isin(numbers // index.SUBSCRIBERS, codes)
    if newest is not None:
        labels.append(f"{iso(newest[0])} {newest[1]}")
    return ListAnswer(name, labels[-1], hits)


def national_coverage(*, session: Session, at: datetime) -> NationalCoverage:
    """The national registry in force at `at`: its label, its as-of date and covered area codes.

    With area codes refreshed on different days, `as_of` is the oldest of them (safe harbor
    holds only while every covered area code is fresh).
    """
    version = versions_in_force(session=session, at=at).get(NATIONAL)
    if version is None:
        return NationalCoverage(version=None, as_of=None, area_codes=frozenset())
    return _coverage_of_version(version)


@functools.lru_cache(maxsize=64)
def _coverage_of_version(version: VersionRow) -> NationalCoverage:
    """A version's coverage, read once: versions are never changed."""
    coverage = coverage_of(version)
    as_of = min(coverage.values()) if coverage else version.as_of
    return NationalCoverage(version=version.label, as_of=as_of, area_codes=frozenset(coverage))


# --- entity-specific entries --------------------------------------------------------------


def add_entity_entry(
    *,
    session: Session,
    actor: str,
    seller_slug: str,
    phone: str | None = None,
    area_code: int | None = None,
    source: str,
    reference: str | None = None,
) -> EntityListEntry:
    """Puts a number (or a whole area code) on the seller's own list, effective now.

    Adding what is already on the list and in force returns the existing entry.
    """
    slug = resolve_seller_slug(session=session, ref=seller_slug)
    if (phone is None) == (area_code is None):
        raise InvalidInput.for_field("phone", "give either a phone number or an area code")
    e164: str | None = None
    if phone is not None:
        e164 = phone_parse.normalize(phone, field="phone")
    elif area_code is None or not (200 <= area_code <= 999):
        raise InvalidInput.for_field("area_code", f"{area_code!r} is not an area code")
    elif not bool(_area_codes()[area_code]):
        raise InvalidInput.for_field("area_code", f"area code {area_code} does not exist")
    if not source.strip():
        raise InvalidInput.for_field("source", "say where the request came from")
    now = utcnow()
    query = select(EntityListEntry).where(
        EntityListEntry.seller_slug == slug,
        EntityListEntry.expires_at > now,
        EntityListEntry.effective_at <= now,
    )
    if e164 is not None:
        query = query.where(EntityListEntry.phone == e164)
    else:
        query = query.where(EntityListEntry.area_code == area_code)
    existing = session.scalars(query.order_by(EntityListEntry.effective_at).limit(1)).first()
    if existing is not None:
        return existing
    entry = EntityListEntry(
        seller_slug=slug,
        phone=e164,
        area_code=area_code if e164 is None else None,
        source=source.strip()[:40],
        reference=reference,
        effective_at=now,
        expires_at=_years_later(now, ENTITY_YEARS),
        recorded_at=now,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=entry)


def entity_entry_for(
    *, session: Session, seller_slug: str, phone: str, at: datetime
) -> EntityListEntry | None:
    """The seller's entry in force at `at` that covers `phone` (its number or its area code)."""
    moment = to_utc_second(at, field="at")
    e164 = phone_parse.try_normalize(phone)
    if e164 is None:
        return None
    code = phone_parse.area_code(e164)
    return session.scalars(
        select(EntityListEntry)
        .where(
            EntityListEntry.seller_slug == seller_slug,
            EntityListEntry.effective_at <= moment,
            EntityListEntry.expires_at > moment,
            (EntityListEntry.phone == e164) | (EntityListEntry.area_code == code),
        )
        .order_by(EntityListEntry.effective_at, EntityListEntry.id)
        .limit(1)
    ).first()


def entity_list_changes(*, session: Session, seller_slug: str) -> list[datetime]:
    """The seconds, in order, at which the seller's own list entries come into force or lapse:
    between two of them every look-up of that list answers alike."""
    query = select(EntityListEntry.effective_at, EntityListEntry.expires_at).where(
        EntityListEntry.seller_slug == seller_slug
    )
    return sorted({moment for row in session.execute(query) for moment in row if moment})


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _area_codes() -> npt.NDArray[np.bool_]:
    from callkeep.lists.parse import area_code_table

    return area_code_table()
