"""The reference re-decision: each call decided by the checks engine alone, as of its start.

Calls sharing a seller, campaign and start second are decided together (one context, as a batch
check of that moment is). This is the plain way `checks.redecide` must equal; the report uses it
for the numbers whose facts come from more than their calls, and the tests hold the batched pass
to it call by call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from callkeep.checks import engine
from callkeep.checks import peers as check_peers
from callkeep.checks import service as checks_service
from callkeep.checks.redecide import Outcome, Parties, decidable
from callkeep.checks.schemas import DecisionOut


def redecide(
    session: Session, parties: Parties, views: list[dict[str, Any]]
) -> dict[str, DecisionOut]:
    """The engine's decision for each outbound call as of its start, keyed by call id.

    The engine counts calls up to and including its moment, so a `frequency_cap` is kept only if
    the calls before this one (a second earlier) already reached the cap.
    """
    groups: dict[tuple[str, str | None, datetime], list[dict[str, Any]]] = {}
    for view in views:
        if decidable(view):
            key = (view["seller_id"], view["campaign_id"], view["started_at"])
            groups.setdefault(key, []).append(view)
    found: dict[str, DecisionOut] = {}
    for (seller_id, campaign_id, start), members in groups.items():
        seller = parties.seller(seller_id)
        campaign = parties.campaign(seller, campaign_id)
        phones = [v["called_number"] for v in members]
        decisions = _decide(session, seller, campaign, start, phones)
        capped = [i for i, d in enumerate(decisions) if _has(d, "frequency_cap")]
        if capped:
            before = _decide(session, seller, campaign, start - timedelta(seconds=1), phones)
            for i in capped:
                if not _has(before[i], "frequency_cap"):
                    decisions[i].reasons = [
                        r for r in decisions[i].reasons if r.code != "frequency_cap"
                    ]
                    decisions[i].allowed = not decisions[i].reasons
        for view, decision in zip(members, decisions, strict=True):
            found[view["id"]] = decision
    return found


def outcomes(session: Session, parties: Parties, views: list[dict[str, Any]]) -> dict[str, Outcome]:
    """`redecide`, each decision as the report keeps it."""
    return {key: outcome_of(d) for key, d in redecide(session, parties, views).items()}


def outcome_of(decision: DecisionOut) -> Outcome:
    """What the report keeps of a decision: codes, citations, the national version consulted."""
    national = [used.version for used in decision.lists if used.list == "national"]
    return Outcome(
        codes=tuple(r.code for r in decision.reasons),
        citations=tuple(r.citation for r in decision.reasons),
        national=national[0] if national else None,
    )


def _decide(
    session: Session,
    seller: check_peers.Seller,
    campaign: check_peers.Campaign | None,
    at: datetime,
    phones: list[str],
) -> list[DecisionOut]:
    ctx = engine.build_context(
        session=session, seller=seller, campaign=campaign, at=at, phones=sorted(set(phones))
    )
    return checks_service.decide(session=session, ctx=ctx, inputs=phones)


def _has(decision: DecisionOut, code: str) -> bool:
    return any(r.code == code for r in decision.reasons)
