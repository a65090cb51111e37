"""Witnesses: other parties each new checkpoint is sent to, and what they answered.

A witness that keeps every checkpoint it is sent (or co-signs it) holds the ledger's history
outside this installation's reach. callkeep POSTs the signed note as ``text/plain`` to each URL of
``CALLKEEP_CHECKPOINT_WITNESSES`` and keeps every answer (status, body, time); a witness that has
not yet answered 2xx for the newest checkpoint is tried again on the next run.
"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from callkeep.kit.clock import utcnow
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints
from callkeep.ledger.models import WitnessAnswer

ANSWER_CHARS = 10_000
TIMEOUT_SECONDS = 10.0


def publish(*, rt: Runtime, timeout: float = TIMEOUT_SECONDS) -> list[WitnessAnswer]:
    """Sends the newest checkpoint to every witness that has not accepted it; returns the answers."""
    urls = rt.settings.witness_urls
    if not urls:
        return []
    with rt.db.transaction(read_only=True) as session:
        newest = checkpoints.latest(session=session)
        if newest is None:
            return []
        accepted = set(
            session.scalars(
                select(WitnessAnswer.url).where(
                    WitnessAnswer.checkpoint_size == newest.size,
                    WitnessAnswer.status >= 200,
                    WitnessAnswer.status < 300,
                )
            )
        )
    answers = []
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for url in urls:
            if url in accepted:
                continue
            try:
                response = client.post(
                    url,
                    content=newest.note.encode(),
                    headers={"Content-Type": "text/plain; charset=utf-8"},
                )
                status, body = response.status_code, response.text
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                status, body = 0, f"no answer: {type(exc).__name__}: {exc}"
            answers.append(
                WitnessAnswer(
                    checkpoint_size=newest.size,
                    url=url,
                    status=status,
                    body=body[:ANSWER_CHARS],
                    answered_at=utcnow(),
                )
            )
    if answers:
        with rt.db.transaction() as session:
            session.add_all(answers)
    return answers


def answers_for(*, rt: Runtime, size: int) -> list[WitnessAnswer]:
    """Every answer kept for the checkpoint at `size`, oldest first."""
    with rt.db.transaction(read_only=True) as session:
        return list(
            session.scalars(
                select(WitnessAnswer)
                .where(WitnessAnswer.checkpoint_size == size)
                .order_by(WitnessAnswer.answered_at, WitnessAnswer.id)
            )
        )
