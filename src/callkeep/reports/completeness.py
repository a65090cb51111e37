"""Which call records are incomplete (16 CFR 310.5(a)(2)), and whether each was corrected in time.

The fields a record must hold are the records domain's rule (`records.check_call_view`, the same one that
refuses an incomplete call when it is written); a record can still lack them when it was
imported, written before a rule, or lacks what only its campaign can tell: the script or the
prerecorded message used (310.5(a)(2)(viii)). 310.5(d)(4) excuses an incomplete record that is
corrected within 30 days of its discovery, so the first report that finds one records the
finding, and every later report answers from it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.kit.clock import iso
from callkeep.ledger import service as ledger
from callkeep.records import service as records
from callkeep.reports.models import RecordFinding

CORRECTION_DAYS = 30  # 16 CFR 310.5(d)(4)


class ScriptsOnFile:
    """When each campaign first had a script on file: a call after that must name the one used."""

    def __init__(self, session: Session) -> None:
        self.first_script: dict[str, datetime] = {}
        rows = session.execute(
            select(
                records.CampaignDocument.campaign_id, records.CampaignDocument.recorded_at
            ).where(records.CampaignDocument.kind == "script")
        )
        for campaign_id, recorded_at in rows:
            known = self.first_script.get(campaign_id)
            if known is None or recorded_at < known:
                self.first_script[campaign_id] = recorded_at

    def had_script(self, campaign_id: str | None, at: datetime | None) -> bool:
        first = self.first_script.get(campaign_id or "")
        return first is not None and at is not None and first <= at


def missing_fields(view: dict[str, Any], scripts: ScriptsOnFile) -> list[str]:
    """The 310.5(a)(2) fields a call view lacks (empty: complete)."""
    missing: list[str] = []
    try:
        records.check_call_view(view)
    except InvalidInput as exc:
        missing += [p.field for p in exc.fields]
    if not view.get("script_version_id") and scripts.had_script(
        view.get("campaign_id"), view.get("started_at")
    ):
        missing.append("script")
    if view.get("prerecorded") and not view.get("message_version_id"):
        missing.append("prerecorded_message")
    return missing


def _completed_at(
    original: dict[str, Any], changes: list[records.Amendment], scripts: ScriptsOnFile
) -> datetime | None:
    """When the amendments made the record complete (None: they have not)."""
    view = dict(original)
    for amendment in changes:
        records.apply_changes(view, "calls", amendment)
        if not missing_fields(view, scripts):
            return amendment.recorded_at
    return None


def findings(
    *,
    session: Session,
    actor: str,
    incomplete: list[tuple[dict[str, Any], list[str]]],
    now: datetime,
    scripts: ScriptsOnFile | None = None,
) -> list[dict[str, Any]]:
    """The report's `incomplete_records`, recording a finding for each record found first now.

    `corrected` is true when an amendment made the record complete no later than 30 days after
    the first report that found it (a correction made before that report counts as in time).
    """
    if not incomplete:
        return []
    scripts = scripts or ScriptsOnFile(session)
    ids = [view["id"] for view, _ in incomplete]
    known: dict[str, RecordFinding] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(RecordFinding).where(RecordFinding.call_id.in_(ids[start : start + 500]))
        )
        known.update({row.call_id: row for row in rows})
    changes = records.amendments_for(session=session, target_type="calls", target_ids=ids)
    out = []
    for view, missing in incomplete:
        finding = known.get(view["id"])
        if finding is None:
            finding = ledger.record(
                session=session,
                actor=actor,
                entity=RecordFinding(
                    call_id=view["id"],
                    missing=json.dumps(missing),
                    found_at=now,
                    recorded_by=actor,
                ),
            )
        completed = _completed_at(view, changes.get(view["id"], []), scripts)
        corrected = completed is not None and completed <= finding.found_at + timedelta(
            days=CORRECTION_DAYS
        )
        out.append(
            {
                "call_id": view["id"],
                "missing": missing,
                "corrected": corrected,
                "found_at": iso(finding.found_at),
                "corrected_at": iso(completed) if completed else None,
            }
        )
    return out
