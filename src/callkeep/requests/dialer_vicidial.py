"""A dialer webhook that speaks VICIdial's own non-agent API instead of callkeep's signed JSON.

VICIdial adds a number to its DNC lists through ``non_agent_api.php`` with
``function=add_dnc_phone``, ``phone_number``, ``campaign_id`` (a campaign, or
``SYSTEM_INTERNAL`` for the system-wide list), ``source``, ``user`` and ``pass``
(`www/vicidial/non_agent_api.php`, `docs/NON-AGENT_API.txt`). It answers HTTP 200 with one text
line whatever happened: ``SUCCESS: add_dnc_phone DNC NUMBER HAS BEEN ADDED - user|number|campaign``,
or ``ERROR: …`` (``Login incorrect, please try again: |user|pass|BAD|`` for a wrong password,
which echoes the password; ``add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS``
without "modify lists" and user level 8; ``add_dnc_phone DNC NUMBER ALREADY EXISTS`` for a
number on that list already). So the answer's text, not its status, says whether the number is
suppressed, and only its reason (never the echoed fields after it) is recorded or logged.

The fields are posted as a form, not put in the URL, so the password stays out of VICIdial's
web server log and callkeep's own request log; the API user and its password are stored
encrypted (the password as the webhook's secret).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from callkeep.errors import InvalidInput
from callkeep.ledger import service as ledger
from callkeep.requests.models import DialerVicidialTarget

SYSTEM_INTERNAL = "SYSTEM_INTERNAL"
DEFAULT_SOURCE = "callkeep"
FUNCTION = "add_dnc_phone"
# what VICIdial keeps of each field (its preg_replace filters) and the lengths its docs give
_CAMPAIGN = re.compile(r"[-_0-9A-Za-z]{2,30}")
_SOURCE = re.compile(r"[0-9A-Za-z]{2,20}")
_ALREADY = "ERROR: add_dnc_phone DNC NUMBER ALREADY EXISTS"
# answers that say the API user cannot log in or may not add numbers: VICIdial locks a user
# after 10 failed logins in 15 minutes, so the rest of a round is not tried with it (the
# failed request itself is retried with the usual back-off)
LOGIN_REFUSED = (
    "ERROR: Login incorrect",
    "ERROR: Too many login attempts",
    "ERROR: Your IP Address is not allowed",
    "ERROR: auth USER DOES NOT HAVE PERMISSION",
    "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION",
)


@dataclass(frozen=True)
class VicidialLogin:
    """The API user callkeep logs in as, and where the numbers go in VICIdial."""

    api_user: str
    password: str
    campaign_id: str = SYSTEM_INTERNAL
    source: str = DEFAULT_SOURCE


@dataclass(frozen=True)
class Answer:
    """What VICIdial answered for one number: suppressed or not, and the reason to record."""

    suppressed: bool
    reason: str


def checked(login: VicidialLogin) -> VicidialLogin:
    """`login` with its fields as VICIdial takes them; InvalidInput naming a field it refuses."""
    user = login.api_user.strip()
    if not user or len(user) > 20 or any(c in user for c in "|&=\r\n"):
        raise InvalidInput.for_field("api_user", "a VICIdial user of 1-20 characters")
    if not login.password or "\n" in login.password:
        raise InvalidInput.for_field("password", "the VICIdial API user's password, one line")
    if not _CAMPAIGN.fullmatch(login.campaign_id):
        raise InvalidInput.for_field(
            "campaign_id",
            f"a VICIdial campaign ID (2-30 of A-Z, 0-9, - and _) or {SYSTEM_INTERNAL}",
        )
    if not _SOURCE.fullmatch(login.source):
        raise InvalidInput.for_field("source", "2-20 letters or digits (VICIdial's `source`)")
    return VicidialLogin(user, login.password, login.campaign_id, login.source)


def record_target(
    *, session: Session, actor: str, webhook_id: str, login: VicidialLogin
) -> DialerVicidialTarget:
    """Makes the webhook `webhook_id` speak VICIdial's API as `login` (its password is the
    webhook's secret, stored by the caller)."""
    target = DialerVicidialTarget(
        webhook_id=webhook_id,
        api_user=login.api_user,
        campaign_id=login.campaign_id,
        source=login.source,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=target)


def targets(*, session: Session) -> dict[str, DialerVicidialTarget]:
    """Every VICIdial target, by the id of its webhook."""
    return {t.webhook_id: t for t in session.scalars(select(DialerVicidialTarget))}


def answer_of(text: str) -> Answer:
    """What one answer of ``non_agent_api.php`` means, with the fields it echoes cut off."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    reason = re.split(r": \||\s+-\s+|\|", first, maxsplit=1)[0].strip()[:150]
    if first.startswith("SUCCESS:"):
        return Answer(True, reason)
    if first.startswith(_ALREADY):  # on that list already: suppressed all the same
        return Answer(True, _ALREADY)
    if not first.startswith(("ERROR:", "NOTICE:")):
        return Answer(False, "not an answer of VICIdial's non-agent API")
    return Answer(False, reason)


def add_numbers(
    client: httpx.Client,
    url: str,
    target: DialerVicidialTarget,
    password: str,
    numbers: list[str],
) -> tuple[int | None, Answer]:
    """Asks VICIdial to add each 10-digit number; suppressed only when every one is.

    Returns the last HTTP status and the first answer that was not a suppression (else the
    last answer). A number added before a failure answers ALREADY EXISTS next time."""
    status: int | None = None
    last = Answer(True, "no 10-digit number for VICIdial to add")
    for number in numbers:
        form = {
            "source": target.source,
            "user": target.api_user,
            "pass": password,
            "function": FUNCTION,
            "phone_number": number,
            "campaign_id": target.campaign_id,
        }
        try:
            response = client.post(url, data=form)
        except httpx.HTTPError as exc:
            return None, Answer(False, f"{type(exc).__name__}: {exc}"[:150])
        status = response.status_code
        if not 200 <= status < 300:
            return status, Answer(False, f"answered {status}")
        last = answer_of(response.text)
        if password in last.reason:  # never in a record or a log, whatever VICIdial echoes
            last = Answer(last.suppressed, last.reason.replace(password, "***"))
        if not last.suppressed:
            return status, last
    return status, last
