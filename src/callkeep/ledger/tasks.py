"""The ledger's scheduled job: a signed checkpoint every hour (and at start), sent to witnesses."""

from __future__ import annotations

from datetime import timedelta

from callkeep.kit.runtime import Runtime
from callkeep.kit.schedule import Job, every
from callkeep.ledger import checkpoints, witnesses

CHECKPOINT_EVERY = timedelta(hours=1)


def checkpoint_and_publish(rt: Runtime) -> None:
    """Makes a checkpoint if the ledger grew, keeps it, and sends it to the witnesses."""
    checkpoints.make(rt=rt)
    witnesses.publish(rt=rt)


def jobs(rt: Runtime) -> list[Job]:
    return [
        Job(
            name="ledger checkpoint",
            next_run=every(CHECKPOINT_EVERY),
            run=lambda: checkpoint_and_publish(rt),
            at_start=True,
        )
    ]
