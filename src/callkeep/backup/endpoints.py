"""`GET /api/v1/backups/last-good`: the newest backup that verified after it was written."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.backup import service
from callkeep.backup.schemas import LastGoodBackup
from callkeep.kit.http import AppRuntime

router = APIRouter(prefix="/api/v1/backups", tags=["backups"])


@router.get("/last-good", response_model=LastGoodBackup | None)
def last_good(
    rt: AppRuntime, _who: Annotated[Principal, Depends(require(roles.COMPLIANCE))]
) -> LastGoodBackup | None:
    """The last good backup (time, file, verified), or null when none has verified yet."""
    return service.last_good_backup(rt.settings)
