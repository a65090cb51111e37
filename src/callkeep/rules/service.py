"""The rules as people read them: the catalog flattened into cited entries."""

from __future__ import annotations

from callkeep.rules.catalog import BANNED, DayRule, Limits, catalog
from callkeep.rules.catalog import limits as _limits
from callkeep.rules.schemas import RuleEntry


def version() -> str:
    """The version (hash) of the rule data every decision records."""
    return catalog().version


def limits() -> Limits:
    """The periods the law fixes (safe harbor, EBR, a seller's own list), with citations."""
    return _limits()


def _limit_entries(found: Limits) -> list[RuleEntry]:
    return [
        RuleEntry(
            state="US",
            kind="safe_harbor",
            rule=f"the national registry in use obtained at most {found.registry_days} days "
            "before the call",
            citation=found.safe_harbor_citation,
            confidence=found.safe_harbor_confidence,
        ),
        RuleEntry(
            state="US",
            kind="ebr",
            rule=f"a purchase within {found.ebr_purchase_days} days, or an inquiry within "
            f"{found.ebr_inquiry_days} days and {found.ebr_inquiry_months} months",
            citation=found.ebr_citation,
            confidence=found.ebr_confidence,
        ),
        RuleEntry(
            state="US",
            kind="entity_list",
            rule=f"a consumer's request to a seller honored for {found.entity_list_years} years",
            citation=found.entity_list_citation,
            confidence=found.entity_list_confidence,
        ),
    ]


def _day(label: str, rule: DayRule) -> str | None:
    if rule is None:
        return None
    return f"{label} no calls" if rule == BANNED else f"{label} {rule}"


def entries(*, state: str | None = None) -> list[RuleEntry]:
    """Every rule (or those of `state` plus the federal baseline), with citation and confidence."""
    rules = catalog()
    found = [
        RuleEntry(
            state="US",
            kind="hours",
            rule=f"every day {rules.federal} local time",
            citation=rules.federal_citation,
            confidence=rules.federal_confidence,
        ),
        *_limit_entries(limits()),
    ]
    for code, hours in sorted(rules.states.items()):
        if state is not None and code != state:
            continue
        parts = [
            p
            for p in (
                _day("Mon-Fri", hours.weekday),
                _day("Sat", hours.saturday),
                _day("Sun", hours.sunday),
                _day("holidays", hours.holiday),
            )
            if p
        ]
        if hours.zone:
            parts.append(f"in {hours.zone}")
        if hours.holiday_calendar:
            parts.append(f"holiday calendar {hours.holiday_calendar} (observed dates)")
        found.append(
            RuleEntry(
                state=code,
                kind="hours",
                rule="; ".join(parts) or "federal window",
                citation=hours.citation,
                confidence=hours.confidence,
                note=hours.note,
            )
        )
    for code, cap in sorted(rules.caps.items()):
        if state is None or code == state:
            found.append(
                RuleEntry(
                    state=code,
                    kind="frequency_cap",
                    rule=f"at most {cap.calls} calls per person per subject in {cap.hours} h",
                    citation=cap.citation,
                    confidence=cap.confidence,
                )
            )
    for code, auto in sorted(rules.automated.items()):
        if state is None or code == state:
            parts = [
                p
                for p in (
                    _day("Mon-Fri", auto.weekday),
                    _day("Sat", auto.saturday),
                    _day("Sun", auto.sunday),
                )
                if p
            ]
            found.append(
                RuleEntry(
                    state=code,
                    kind="automated_dialing",
                    rule=f"{'/'.join(sorted(auto.dialing_modes))} campaigns: "
                    + "; ".join(parts)
                    + f" in {auto.zone}; at most {auto.completed_calls} completed call per "
                    f"number in {auto.hours} h",
                    citation=auto.citation,
                    confidence=auto.confidence,
                    note=auto.note,
                )
            )
    return found
