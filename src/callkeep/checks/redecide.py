"""Many calls re-decided, each as of its own start, in one pass that equals deciding each alone.

What a decision reads is fetched for many calls at once, not per call: the lists once per seller
and *list epoch* (list versions change with the UTC day, a seller's own entries at their
effective and expiry seconds: between two changes every look-up answers alike), through the
lists domain's vectorised `lookup_many` over the chunk's numbers; the seller's earlier calls as
a sliding 24-hour window per number, fed in start order (`CallWindow`); the time rules once per
(place, dialing mode, minute). A number whose facts come from more than its calls (a contact
holds it, a consent, purchase or inquiry names it, or an amendment moved a call to or from it)
is decided by `fallback`, the per-moment path, whose answers are the reference.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from callkeep.checks import engine, peers
from callkeep.checks.call_window import DAY, SECOND, CallWindow
from callkeep.checks.engine import BIT, codes_of
from callkeep.phone.geo import Place, place_of_number
from callkeep.phone.parse import try_normalize
from callkeep.records import service as records
from callkeep.rules.catalog import Window, catalog

_TIMES_KEPT = 50_000


@dataclass(frozen=True)
class Outcome:
    """A call's re-decision: its reason codes in decision order, a citation each, and the
    national registry version it consulted (None: none, or not a NANP number)."""

    codes: tuple[str, ...]
    citations: tuple[str, ...]
    national: str | None


class Parties:
    """Sellers and campaigns as the engine knows them, read once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sellers: dict[str, peers.Seller] = {}
        self.campaigns: dict[tuple[str, str], peers.Campaign | None] = {}

    def seller(self, seller_id: str) -> peers.Seller:
        found = self.sellers.get(seller_id)
        if found is None:
            found = self.sellers[seller_id] = peers.resolve_seller(
                session=self.session, ref=seller_id
            )
        return found

    def campaign(self, seller: peers.Seller, campaign_id: str | None) -> peers.Campaign | None:
        if not campaign_id:
            return None
        key = (seller.id, campaign_id)
        if key not in self.campaigns:
            self.campaigns[key] = peers.resolve_campaign(
                session=self.session, ref=campaign_id, seller=seller
            )
        return self.campaigns[key]


def decidable(view: dict[str, Any]) -> bool:
    """Whether a call is re-decided: an outbound call with a number and a start."""
    return bool(view["outbound"] and view["called_number"] and view["started_at"] is not None)


def _minute_aligned() -> bool:
    """Whether every window of the rules starts and ends on a whole minute: then a time verdict
    holds for the whole minute (US zones are whole minutes from UTC)."""
    rules = catalog()
    windows = [rules.federal]
    entries: list[Any] = [*rules.states.values(), *rules.automated.values()]
    for entry in entries:
        for item in dataclasses.fields(entry):
            value = getattr(entry, item.name)
            if isinstance(value, Window):
                windows.append(value)
    return all(
        bound.second == 0 and bound.microsecond == 0 for w in windows for bound in (w.start, w.end)
    )


_Group = tuple[str, str | None, date, int]


class Redecider:
    """Re-decides chunks of calls (current views, in start order) as of each one's start, for
    the compliance report: a `frequency_cap` counts only if the calls before this one (a second
    earlier) already reached the cap, as deciding the call alone and a second earlier says."""

    def __init__(
        self,
        session: Session,
        *,
        seller_id: str | None,
        start: datetime,
        parties: Parties,
        fallback: Callable[[list[dict[str, Any]]], dict[str, Outcome]],
        fed: bool = False,
    ) -> None:
        self.session = session
        self.fed = fed
        self.fed_to: datetime | None = None
        self.parties = parties
        self.fallback = fallback
        self.window = CallWindow(session, seller_id, start - DAY - SECOND)
        self.changes: dict[str, list[datetime]] = {}
        self.richer: dict[str, set[str]] = {}
        self.times: dict[tuple[Place, str | None, int], tuple[int, dict[str, Any]]] = {}
        self.by_minute = _minute_aligned()
        self.floor: datetime | None = None
        self.rules = catalog()
        self.capped = frozenset(self.rules.caps) | frozenset(self.rules.automated)

    def decide(
        self,
        views: Sequence[dict[str, Any]],
        originals: Sequence[dict[str, Any]] | None = None,
    ) -> dict[str, Outcome]:
        """The re-decision of each decidable call among `views`, keyed by call id.

        Fed (`fed=True`), the window counts only the calls given: `originals` (as recorded) are
        every call, of every campaign, started in the seconds the chunk spans, after the calls
        of the chunks before, and `views` their current views in the same order."""
        if self.fed:
            self._feed(views, originals)
        asked = [v for v in views if decidable(v)]
        if not asked:
            return {}
        # a call amended to start before calls already passed: the window has forgotten what it
        # counts, so it is decided alone; fed, so is a call amended to start after the calls
        # the window has been given
        late = [v for v in asked if not self._in_window(v["started_at"])]
        asked = [v for v in asked if self._in_window(v["started_at"])]
        if asked:
            self.floor = min(v["started_at"] for v in asked)
            if not self.fed:
                self.window.advance(max(v["started_at"] for v in asked))
            self.window.forget_before(self.floor)
        plain, rich = self._split(asked)
        rich += late
        found = self.fallback(rich) if rich else {}
        groups: dict[_Group, list[tuple[dict[str, Any], str | None]]] = {}
        for view, phone in plain:
            seller = self.parties.seller(view["seller_id"])
            at = view["started_at"]
            epoch = bisect.bisect_right(self._changes(seller), at)
            key = (seller.id, view["campaign_id"], at.date(), epoch)
            groups.setdefault(key, []).append((view, phone))
        for (seller_id, campaign_id, _day, _epoch), members in groups.items():
            found.update(self._judge(seller_id, campaign_id, members))
        return found

    def _feed(
        self, views: Sequence[dict[str, Any]], originals: Sequence[dict[str, Any]] | None
    ) -> None:
        if originals is None or len(originals) != len(views):
            raise ValueError("a fed re-decision needs each call as recorded beside its view")
        if not originals:
            return
        if self.fed_to is None:  # the calls before the first chunk are read
            self.window.advance(originals[0]["started_at"] - SECOND)
        self.window.feed(list(originals), list(views))
        self.fed_to = originals[-1]["started_at"]

    def _in_window(self, at: datetime) -> bool:
        if self.floor is not None and at < self.floor:
            return False
        return not self.fed or (self.fed_to is not None and at <= self.fed_to)

    def _split(
        self, asked: list[dict[str, Any]]
    ) -> tuple[list[tuple[dict[str, Any], str | None]], list[dict[str, Any]]]:
        normalized = [try_normalize(v["called_number"]) for v in asked]
        plain, rich = [], []
        for view, phone in zip(asked, normalized, strict=True):
            seller_id = view["seller_id"]
            if phone is not None and (
                phone in self._richer(seller_id) or (seller_id, phone) in self.window.moved
            ):
                rich.append(view)
            else:
                plain.append((view, phone))
        return plain, rich

    def _richer(self, seller_id: str) -> set[str]:
        """The numbers whose facts for the seller come from more than their calls, read once."""
        found = self.richer.get(seller_id)
        if found is None:
            found = self.richer[seller_id] = records.phones_with_records(
                session=self.session, seller_id=seller_id
            )
        return found

    def _changes(self, seller: peers.Seller) -> list[datetime]:
        """The seconds at which the seller's own list entries come into force or lapse."""
        found = self.changes.get(seller.slug)
        if found is None:
            found = self.changes[seller.slug] = peers.entity_list_changes(
                session=self.session, seller=seller
            )
        return found

    def _time_bits(
        self, place: Place, mode: str | None, at: datetime, ctx: engine.Context
    ) -> tuple[int, dict[str, Any]]:
        moment = int(at.timestamp())
        key = (place, mode, moment // 60 if self.by_minute else moment)
        found = self.times.get(key)
        if found is None:
            if len(self.times) >= _TIMES_KEPT:  # calls come in start order: old minutes go
                self.times.clear()
            found = self.times[key] = engine._place_bits(dataclasses.replace(ctx, at=at), place)
        return found

    def _judge(
        self,
        seller_id: str,
        campaign_id: str | None,
        members: list[tuple[dict[str, Any], str | None]],
    ) -> dict[str, Outcome]:
        seller = self.parties.seller(seller_id)
        campaign = self.parties.campaign(seller, campaign_id)
        at = members[0][0]["started_at"]
        ctx = engine.Context(
            seller=seller,
            campaign=campaign,
            at=at,
            coverage=peers.national_coverage(session=self.session, at=at),
            facts={},
            rules_version=self.rules.version,
        )
        nanp = [(v, p) for v, p in members if p is not None and p.startswith("+1")]
        row_bits, national, places = self._list_bits(ctx, [int(p[2:]) for _, p in nanp if p])
        found: dict[str, Outcome] = {}
        for k, (view, e164) in enumerate(nanp):
            assert e164 is not None
            found[view["id"]] = self._nanp_outcome(
                ctx, view, e164, int(row_bits[k]), places[k], national
            )
        for view, phone in members:
            if phone is None:
                found[view["id"]] = self._outcome(BIT["invalid_number"], {}, None)
            elif not phone.startswith("+1"):
                place = place_of_number(phone, addresses=())
                bits, cites = self._time_bits(place, ctx.dialing_mode, view["started_at"], ctx)
                found[view["id"]] = self._outcome(bits | BIT["registry_missing"], cites, None)
        return found

    def _list_bits(
        self, ctx: engine.Context, numbers: list[int]
    ) -> tuple[np.ndarray, str | None, list[Place]]:
        """Per number: the bits of the lists and the registry, its place; the national version."""
        if not numbers:
            return np.zeros(0, dtype=np.uint16), None, []
        unique, inverse = np.unique(np.asarray(numbers, dtype=np.int64), return_inverse=True)
        answers = peers.lookup_many(
            session=self.session, numbers=unique, at=ctx.at, seller=ctx.seller
        )
        slots, known = engine._number_places(unique)
        bits = engine._registry_bits(ctx, unique // 10_000_000)
        national = None
        for answer in answers:
            if answer.list == "national":
                national = answer.version
                bits[answer.hits] |= BIT["national_dnc"]
            elif answer.list.startswith("state:"):
                bits[answer.hits] |= BIT["state_dnc"]
            elif answer.list.startswith("entity:"):
                bits[answer.hits] |= BIT["entity_dnc"]
            elif answer.list == "litigator" and ctx.seller.screen_litigators:
                bits[answer.hits] |= BIT["litigator"]
        places = [known[int(slots[i])] for i in inverse.tolist()]
        return bits[inverse], national, places

    def _nanp_outcome(
        self,
        ctx: engine.Context,
        view: dict[str, Any],
        phone: str,
        bits: int,
        place: Place,
        national: str | None,
    ) -> Outcome:
        at = view["started_at"]
        time_bits, cites = self._time_bits(place, ctx.dialing_mode, at, ctx)
        bits |= time_bits
        if any(state in self.capped for state in place.states):
            cap = self._cap(ctx, view["seller_id"], phone, place, at)
            if cap:
                bits |= BIT["frequency_cap"]
                cites = {**cites, "frequency_cap": cap}
        return self._outcome(bits, cites, national)

    def _cap(
        self, ctx: engine.Context, seller_id: str, phone: str, place: Place, at: datetime
    ) -> tuple[str, ...]:
        """The caps reached at `at` if they were reached a second earlier too (else none)."""
        subject = ctx.campaign.subject if ctx.campaign else None
        mode = ctx.dialing_mode
        cites = engine.cap_citations(
            mode, place, *self.window.counts(seller_id, phone, at, subject)
        )
        if cites and engine.cap_citations(
            mode, place, *self.window.counts(seller_id, phone, at - SECOND, subject)
        ):
            return cites
        return ()

    def _outcome(self, bits: int, cites: dict[str, Any], national: str | None) -> Outcome:
        if bits == 0:
            return Outcome(codes=(), citations=(), national=national)
        known = self.rules.reasons
        codes = codes_of(bits)
        return Outcome(
            codes=tuple(codes),
            citations=tuple(
                "; ".join(cites[code]) if code in cites else known[code].citation for code in codes
            ),
            national=national,
        )
