"""The access log: every read of personal data is itself recorded, through the ledger."""

from __future__ import annotations

from callkeep.auth.models import AccessRecord
from callkeep.kit.db import Database
from callkeep.ledger import service as ledger


def record_reads(
    *, db: Database, actor: str, entity_type: str, entity_ids: list[str], via: str
) -> None:
    """Records that `actor` read these records' personal data, in its own small transaction
    (reads run in read-only transactions, so the log cannot ride on theirs)."""
    if not entity_ids:
        return
    rows = [
        {"entity_type": entity_type, "entity_id": i[:200], "via": via[:200]} for i in entity_ids
    ]
    with db.transaction() as session:
        ledger.record_many(session=session, actor=actor, model=AccessRecord, rows=rows)
