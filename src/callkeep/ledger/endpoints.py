"""`GET /api/v1/audit/verify`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from callkeep.auth import roles
from callkeep.auth.deps import require
from callkeep.auth.schemas import Principal
from callkeep.kit.http import DbSession
from callkeep.ledger import service
from callkeep.ledger.schemas import VerifyReport

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/verify", response_model=VerifyReport)
def verify(
    session: DbSession, _who: Annotated[Principal, Depends(require(roles.READ))]
) -> VerifyReport:
    """Re-hashes the chain and every record; `intact` is false if anything was altered."""
    return service.verify(session=session)
