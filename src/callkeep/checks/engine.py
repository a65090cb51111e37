"""The decision engine: one vectorised judgement over a chunk of numbers sharing seller, campaign
and moment. The single check, the batch API and the scrub all run it, so they agree by construction.

Per-place work (states, zones, local times, window/day/holiday verdicts) is done once per distinct
place in the chunk and broadcast; list hits, registry coverage and exemptions are numpy arrays.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from callkeep.checks import peers
from callkeep.checks.peers import Campaign, Coverage, Facts, ListHits, Seller
from callkeep.phone.geo import (
    Place,
    place_of_address,
    place_of_number,
    place_of_prefix,
    prefix_places,
    with_address,
)
from callkeep.rules import service as rules_service
from callkeep.rules.catalog import catalog
from callkeep.rules.hours import judge_time

# The order in which a decision lists its reasons.
REASONS = (
    "invalid_number",
    "entity_dnc",
    "national_dnc",
    "state_dnc",
    "consent_revoked",
    "litigator",
    "registry_missing",
    "registry_stale",
    "calling_hours",
    "calling_day",
    "holiday",
    "frequency_cap",
)
BIT = {code: 1 << i for i, code in enumerate(REASONS)}
# The periods the law fixes, read once from the rules data (rules/data/limits.toml).
_LIMITS = rules_service.limits()
SAFE_HARBOR_DAYS = _LIMITS.registry_days
EBR_PURCHASE_DAYS = _LIMITS.ebr_purchase_days
EBR_INQUIRY_DAYS = _LIMITS.ebr_inquiry_days
EBR_INQUIRY_MONTHS = _LIMITS.ebr_inquiry_months
_FEW_NUMBERS = 64  # up to this many, places are read per prefix, not from the table


@dataclass(frozen=True)
class Context:
    """What a chunk of decisions shares: who calls, for what, when, and what is known then."""

    seller: Seller
    campaign: Campaign | None
    at: datetime
    coverage: Coverage
    facts: Mapping[str, Facts]
    rules_version: str
    facts_by_number: Mapping[int, Facts] = field(default_factory=dict)

    @property
    def dialing_mode(self) -> str | None:
        """The campaign's dialing mode, if a campaign is named."""
        return self.campaign.dialing_mode if self.campaign else None


def build_context(
    *,
    session: Session,
    seller: Seller,
    campaign: Campaign | None,
    at: datetime,
    phones: list[str] | None,
) -> Context:
    """Gathers coverage and facts as of `at` (phones=None: every number with a fact, for bulk)."""
    facts = peers.phone_facts(
        session=session, seller=seller, campaign=campaign, at=at, phones=phones
    )
    by_number = {int(p[2:]): f for p, f in facts.items() if p.startswith("+1") and len(p) == 12}
    return Context(
        seller=seller,
        campaign=campaign,
        at=at,
        coverage=peers.national_coverage(session=session, at=at),
        facts=facts,
        rules_version=catalog().version,
        facts_by_number=by_number,
    )


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` moved back by calendar months, the day clamped to the month's end."""
    month = moment.month - months
    year = moment.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def ebr_basis(facts: Facts, at: datetime) -> str | None:
    """The established business relationship in force at `at`, if any: the stricter of the FTC
    (540 days / 90 days) and FCC (18 months / 3 months) rules."""
    purchase = facts.last_purchase_at
    if purchase is not None and at - timedelta(days=EBR_PURCHASE_DAYS) <= purchase <= at:
        return "ebr_purchase"
    inquiry = facts.last_inquiry_at
    if inquiry is not None:
        since = max(at - timedelta(days=EBR_INQUIRY_DAYS), months_before(at, EBR_INQUIRY_MONTHS))
        if since <= inquiry <= at:
            return "ebr_inquiry"
    return None


def exemptions(facts: Facts | None, at: datetime) -> list[str]:
    """The bases that lift registry blocks for a number: written consent, EBR."""
    if facts is None:
        return []
    found = ["written_consent"] if facts.written_consent else []
    basis = ebr_basis(facts, at)
    if basis is not None:
        found.append(basis)
    return found


@dataclass
class Verdicts:
    """A chunk's decisions: reason bits per number, each number's place, the lists consulted."""

    bits: np.ndarray
    slots: np.ndarray
    places: Sequence[Place]
    lists: list[ListHits]
    citations: dict[tuple[int, str], tuple[str, ...]]
    exemptions: dict[int, list[str]]


def _place_bits(ctx: Context, place: Place) -> tuple[int, dict[str, tuple[str, ...]]]:
    verdict = judge_time(
        at=ctx.at, states=place.states, zones=place.zones, dialing_mode=ctx.dialing_mode
    )
    bits = 0
    for code in verdict.codes:
        bits |= BIT[code]
    return bits, verdict.citations


def _registry_bits(ctx: Context, npa: np.ndarray) -> np.ndarray:
    bits = np.zeros(len(npa), dtype=np.uint16)
    coverage = ctx.coverage
    if coverage.version is None:
        bits |= BIT["registry_missing"]
        return bits
    bits[~_covered(coverage.area_codes)[npa]] |= BIT["registry_missing"]
    if coverage.as_of is not None and (ctx.at.date() - coverage.as_of).days > SAFE_HARBOR_DAYS:
        bits |= BIT["registry_stale"]
    return bits


@functools.lru_cache(maxsize=16)
def _covered(area_codes: frozenset[int]) -> np.ndarray:
    """Whether each area code 0-999 is covered: indexed by area code, one look-up a number."""
    covered = np.zeros(1000, dtype=bool)
    covered[sorted(area_codes)] = True
    return covered


def _cap_citations(ctx: Context, place: Place, facts: Facts) -> tuple[str, ...]:
    return cap_citations(ctx.dialing_mode, place, facts.calls_24h, facts.completed_calls_8h)


def cap_citations(
    dialing_mode: str | None, place: Place, calls_24h: int, completed_calls_8h: int
) -> tuple[str, ...]:
    """The frequency caps a number's calls so far reach in its place (none: no cap reached)."""
    rules = catalog()
    found = []
    for state in place.states:
        cap = rules.caps.get(state)
        if cap is not None and calls_24h >= cap.calls:
            found.append(cap.citation)
        auto = rules.automated.get(state)
        if (
            auto is not None
            and dialing_mode in auto.dialing_modes
            and completed_calls_8h >= auto.completed_calls
        ):
            found.append(auto.citation)
    return tuple(dict.fromkeys(found))


def _number_places(numbers: np.ndarray) -> tuple[np.ndarray, Sequence[Place]]:
    """Each number's slot in the places returned with them: for many numbers, the prefix table
    (built once, a million prefixes); for a few, each prefix's place read on its own, the same
    place the table holds (so a single check need not build the table)."""
    if len(numbers) > _FEW_NUMBERS:
        table, known = prefix_places()
        return table[numbers // 10_000].astype(np.int32), known
    prefixes = (numbers // 10_000).tolist()
    if len(prefixes) == 1:
        return np.zeros(1, dtype=np.int32), (_prefix_place(prefixes[0]),)
    found: dict[Place, int] = {}
    slots = [found.setdefault(_prefix_place(prefix), len(found)) for prefix in prefixes]
    return np.asarray(slots, dtype=np.int32), tuple(found)


@functools.lru_cache(maxsize=65_536)
def _prefix_place(prefix: int) -> Place:
    return place_of_prefix(prefix)


def judge_nanp(*, session: Session, ctx: Context, numbers: np.ndarray) -> Verdicts:
    """Judges dialable 10-digit NANP numbers (int64) at `ctx.at`; see REASONS for the bits."""
    numbers = np.asarray(numbers, dtype=np.int64)
    count = len(numbers)
    lists = peers.lookup_many(session=session, numbers=numbers, at=ctx.at, seller=ctx.seller)
    slots, known_places = _number_places(numbers)
    places: Sequence[Place] = known_places  # extended (as a copy) by places of addresses
    extra: dict[Place, int] = {}

    # Numbers the records know something about: their address, exemptions, history.
    exempt = np.zeros(count, dtype=bool)
    revoked = np.zeros(count, dtype=bool)
    fact_rows: list[tuple[int, Facts]] = []
    if ctx.facts_by_number:
        keys = np.fromiter(ctx.facts_by_number, dtype=np.int64, count=len(ctx.facts_by_number))
        for row in np.flatnonzero(np.isin(numbers, keys)).tolist():
            facts = ctx.facts_by_number[int(numbers[row])]
            fact_rows.append((row, facts))
            address = place_of_address(addresses=facts.addresses)
            if address is not None:
                # the union: an address adds zones to the number's, never removes one
                place = with_address(places[int(slots[row])], address)
                slot = extra.get(place)
                if slot is None:
                    slot = extra[place] = len(places)
                    places = [*places, place]
                slots[row] = slot
    found_exemptions: dict[int, list[str]] = {}
    for row, facts in fact_rows:
        bases = exemptions(facts, ctx.at)
        if bases:
            exempt[row] = True
            found_exemptions[row] = bases
        revoked[row] = facts.consent_revoked

    # Time rules, once per distinct place.
    citations: dict[tuple[int, str], tuple[str, ...]] = {}
    place_bits = np.zeros(len(places), dtype=np.uint16)
    # distinct places: a count over every place for a chunk, a sort of the few for a check
    if count > 64:
        used = np.flatnonzero(np.bincount(slots, minlength=len(places))).tolist()
    else:
        used = sorted(set(slots.tolist()))
    for slot in used:
        place_bits[slot], per_code = _place_bits(ctx, places[slot])
        for code, cites in per_code.items():
            citations[(slot, code)] = cites
    bits = place_bits[slots]

    # Lists.
    national = np.zeros(count, dtype=bool)
    state = np.zeros(count, dtype=bool)
    entity = np.zeros(count, dtype=bool)
    litigator = np.zeros(count, dtype=bool)
    for answer in lists:
        if answer.list == "national":
            national |= answer.hits
        elif answer.list.startswith("state:"):
            state |= answer.hits
        elif answer.list.startswith("entity:"):
            entity |= answer.hits
        elif answer.list == "litigator":
            litigator |= answer.hits
    # An entity-specific request ends the EBR and overrides consent.
    exempt &= ~entity
    registry = _registry_bits(ctx, numbers // 10_000_000)
    registry[exempt] = 0
    bits |= registry
    bits[entity] |= BIT["entity_dnc"]
    bits[national & ~exempt] |= BIT["national_dnc"]
    bits[state & ~exempt] |= BIT["state_dnc"]
    bits[revoked & ~exempt & (national | state)] |= BIT["consent_revoked"]
    if ctx.seller.screen_litigators:
        bits[litigator] |= BIT["litigator"]
    for row, facts in fact_rows:
        if not exempt[row] and row in found_exemptions:
            del found_exemptions[row]
        cites = _cap_citations(ctx, places[int(slots[row])], facts)
        if cites:
            bits[row] |= BIT["frequency_cap"]
            citations[(-1 - row, "frequency_cap")] = cites
    return Verdicts(
        bits=bits,
        slots=slots,
        places=places,
        lists=lists,
        citations=citations,
        exemptions=found_exemptions,
    )


def judge_other(*, ctx: Context, e164: str) -> tuple[int, Place, dict[str, tuple[str, ...]]]:
    """Judges a dialable number outside NANP: no registry covers it (`registry_missing`) and the
    federal window applies in its zones."""
    facts = ctx.facts.get(e164)
    place = place_of_number(e164, addresses=facts.addresses if facts else ())
    bits, cites = _place_bits(ctx, place)
    if not exemptions(facts, ctx.at):
        bits |= BIT["registry_missing"]
    return bits, place, cites


def codes_of(bits: int) -> list[str]:
    """The reason codes set in `bits`, in decision order."""
    return [code for code in REASONS if bits & BIT[code]]
