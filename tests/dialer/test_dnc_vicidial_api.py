"""A dialer webhook of kind `vicidial`: each new request added to VICIdial's DNC list through its
own non-agent API (`add_dnc_phone`), retried with back-off, every attempt recorded, the API
password kept out of records and logs and stored encrypted."""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from pathlib import Path

import httpx
import pytest
from served import Server, callkeep
from sqlalchemy import text
from test_dnc_both_ways import record, seller  # noqa: F401  (the world of those tests)
from vicidial_standin import VicidialStandIn

from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.requests import dialer_vicidial, dialer_webhooks
from callkeep.requests.dialer_vicidial import VicidialLogin

PASSWORD = "s3cret-Pa55"


def add(rt: Runtime, url: str, password: str = PASSWORD, campaign: str = "SYSTEM_INTERNAL") -> str:
    login = VicidialLogin("6666", password, campaign, "callkeep")
    with rt.db.transaction() as session:
        hook, _ = dialer_webhooks.add_webhook(
            session=session, actor="test", url=url, seller="acme", vicidial=login
        )
    return hook.id


@pytest.mark.usefixtures("seller")
def test_vicidial_refusing_twice_gets_the_number_on_the_third_attempt(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with VicidialStandIn(password=PASSWORD, refusals=2) as vicidial:
        hook_id = add(rt, vicidial.url)
        dispatcher = dialer_webhooks.start_dispatcher(rt.db, base=0.1, poll=30.0)
        try:
            request_id = record(rt, "207-555-0123")
            calls = vicidial.wait_for_success(seconds=15)
        finally:
            dispatcher.stop()
    assert [c[3].split(" - ")[0].split(": |")[0] for c in calls] == [
        "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS",
        "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS",
        "SUCCESS: add_dnc_phone DNC NUMBER HAS BEEN ADDED",
    ]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # backed off
    assert vicidial.system_dnc == {"2075550123"}
    for _at, method, form, _answer in calls:
        assert method == "POST"  # the password in a form body, never in a URL
        assert form == {
            "source": "callkeep",
            "user": "6666",
            "pass": PASSWORD,
            "function": "add_dnc_phone",
            "phone_number": "2075550123",
            "campaign_id": "SYSTEM_INTERNAL",
        }
    with rt.db.transaction(read_only=True) as session:
        attempts = dialer_webhooks.attempts_of(session=session, request_id=request_id)
        assert [(a.attempt, a.status_code, a.delivered, a.error) for a in attempts] == [
            (
                1,
                200,
                False,
                "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS",
            ),
            (
                2,
                200,
                False,
                "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS",
            ),
            (3, 200, True, None),
        ]
        assert {a.webhook_id for a in attempts} == {hook_id}
        due, _ = dialer_webhooks.pending(session=session, now=dialer_webhooks.utcnow())
        assert due == []
        stored = " ".join(
            str(v)
            for table in ("dnc_dialer_webhooks", "dnc_dialer_vicidial_targets")
            for row in session.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )
    assert PASSWORD not in stored and "6666" not in stored  # encrypted at rest
    assert PASSWORD not in caplog.text


@pytest.mark.usefixtures("seller")
def test_a_wrong_password_is_recorded_as_vicidial_refuses_it_and_never_shown(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with VicidialStandIn(password=PASSWORD) as vicidial:
        add(rt, vicidial.url, password="wrong-one")
        first = record(rt, "207-555-0131")
        record(rt, "207-555-0132")
        with httpx.Client(timeout=2) as client:
            done = dialer_webhooks.deliver_due(db=rt.db, client=client, base=60)
        answers = [c[3] for c in vicidial.calls]
    # one refused login ends the round: VICIdial locks a user after 10 failed logins
    assert answers == ["ERROR: Login incorrect, please try again: |6666|wrong-one|BAD|\n"]
    assert (done.delivered, done.failed) == (0, 1) and vicidial.system_dnc == set()
    with rt.db.transaction(read_only=True) as session:
        [attempt] = dialer_webhooks.attempts_of(session=session)
    assert attempt.request_id == first and not attempt.delivered
    assert attempt.error == "ERROR: Login incorrect, please try again"
    assert "wrong-one" not in caplog.text and "Login incorrect" in caplog.text


@pytest.mark.usefixtures("seller")
def test_a_number_vicidial_holds_already_counts_as_suppressed(rt: Runtime) -> None:
    with VicidialStandIn(password=PASSWORD) as vicidial:
        vicidial.campaign_dnc.add(("2075550140", "HEAT_PUMPS"))
        add(rt, vicidial.url, campaign="HEAT_PUMPS")
        record(rt, "207-555-0140")
        with httpx.Client(timeout=2) as client:
            done = dialer_webhooks.deliver_due(db=rt.db, client=client, base=60)
    assert done.delivered == 1
    assert vicidial.calls[0][3].startswith("ERROR: add_dnc_phone DNC NUMBER ALREADY EXISTS")


@pytest.mark.parametrize(
    ("text_", "suppressed", "reason"),
    [
        ("SUCCESS: add_dnc_phone DNC NUMBER HAS BEEN ADDED - 6666|7275551212|TESTCAMP\n", True,
         "SUCCESS: add_dnc_phone DNC NUMBER HAS BEEN ADDED"),
        ("ERROR: add_dnc_phone DNC NUMBER ALREADY EXISTS - 6666|7275551212\n", True,
         "ERROR: add_dnc_phone DNC NUMBER ALREADY EXISTS"),
        ("ERROR: add_dnc_phone YOU MUST USE ALL REQUIRED FIELDS - 6666|||1000\n", False,
         "ERROR: add_dnc_phone YOU MUST USE ALL REQUIRED FIELDS"),
        ("ERROR: Invalid Source - x\nERROR: Invalid Source: |x|\n", False,
         "ERROR: Invalid Source"),
        ("<html>502 Bad Gateway</html>", False, "not an answer of VICIdial's non-agent API"),
    ],
)  # fmt: skip
def test_the_answers_of_the_api_documentation_read_as_vicidial_means_them(
    text_: str, suppressed: bool, reason: str
) -> None:
    assert dialer_vicidial.answer_of(text_) == dialer_vicidial.Answer(suppressed, reason)


@pytest.mark.parametrize(
    ("login", "field"),
    [
        (VicidialLogin("", "pw"), "api_user"),
        (VicidialLogin("6666", ""), "password"),
        (VicidialLogin("6666", "pw", "X"), "campaign_id"),
        (VicidialLogin("6666", "pw", "SYSTEM INTERNAL"), "campaign_id"),
        (VicidialLogin("6666", "pw", source="c"), "source"),
    ],
)
def test_a_login_vicidial_would_refuse_is_refused_at_once(
    rt: Runtime, login: VicidialLogin, field: str
) -> None:
    with rt.db.transaction() as session, pytest.raises(InvalidInput, match=field):
        dialer_webhooks.add_webhook(
            session=session, actor="test", url="http://vicidial/x", vicidial=login
        )


def test_a_request_on_the_public_page_reaches_vicidial_within_a_second(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    callkeep(data_dir, "sellers", "add", "Androscoggin Home Energy", "--slug", "andro", "--default")
    with VicidialStandIn(password=PASSWORD) as vicidial:
        out = callkeep(
            data_dir,
            *("dnc", "dialer-webhook", "add", vicidial.url, "--seller", "andro"),
            *("--kind", "vicidial", "--api-user", "6666", "--password-stdin"),
            stdin=PASSWORD + "\n",
        )
        assert PASSWORD not in out and "SYSTEM_INTERNAL" in out
        with Server(data_dir) as running, httpx.Client(base_url=running.url) as browser:
            page = browser.get("/do-not-call")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            form = {"csrf": token[1], "phone": "(207) 555-0142", "name": "", "email": ""}
            answered = browser.post("/do-not-call", data={**form, "website": ""})
            recorded = time.monotonic()
            assert answered.status_code == 200, answered.text
            calls = vicidial.wait_for_success(seconds=5)
    assert len(calls) == 1 and calls[0][0] - recorded < 1.0
    assert vicidial.system_dnc == {"2075550142"}
    attempts = json.loads(callkeep(data_dir, "dnc", "dialer-webhook", "attempts", "--json"))
    assert [(a["attempt"], a["delivered"]) for a in attempts] == [(1, True)]
    listed = callkeep(data_dir, "dnc", "dialer-webhook", "list")
    assert PASSWORD not in listed and "non_agent_api.php" in listed
