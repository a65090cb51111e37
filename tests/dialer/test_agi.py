"""`callkeep-agi` driven as Asterisk drives it: `agi_*` lines on stdin, one command at a time on
stdout, each answered with `200 result=1`; against a real callkeep server, and against none."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import HOST, Server, callkeep, free_port

# Tuesday 9 June 2026, 11:00 in Maine: inside every calling window.
AT = "2026-06-09T15:00:00Z"
ON_REGISTRY = "2075550188"
CLEAR = "2075550123"
ASKED_NOT_TO = "2075550177"

# the console entry point installed beside this interpreter, as Asterisk would run it
AGI_PROGRAM = str(Path(sys.executable).parent / "callkeep-agi")
AGI_ENV = [
    "agi_request: callkeep-agi",
    "agi_channel: SIP/trunk-00000001",
    "agi_language: en",
    "agi_type: SIP",
    "agi_uniqueid: 1781017200.1",
    "agi_version: 20.5.0",
    "agi_callerid: 2077840100",
    "agi_calleridname: ANDRO ENERGY",
    "agi_context: outbound-callkeep",
    "agi_extension: {exten}",
    "agi_priority: 1",
    "agi_enhanced: 0.0",
    "agi_accountcode: ",
    "agi_threadid: 140234",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A served callkeep with a seller, a campaign, the national registry for 207 and one
    consumer's request; and a dialer token."""
    data = tmp_path_factory.mktemp("agi-data")
    callkeep(data, "sellers", "add", "Androscoggin Home Energy", "--slug", "andro", "--default")
    callkeep(data, "campaigns", "add", "heat-pumps", "--subject", "heat pumps",
             "--dialing-mode", "predictive", "--caller-id-number", "2077840100")  # fmt: skip
    registry = data / "national-207.txt"
    registry.write_text(f"{ON_REGISTRY}\n2075550199\n")
    callkeep(data, "lists", "import", str(registry), "--list", "national", "--as-of",
             "2026-06-01", "--area-codes", "207")  # fmt: skip
    callkeep(data, "dnc", "add", ASKED_NOT_TO, "--received", "2026-06-02T12:00:00Z")
    token = callkeep(data, "token", "create", "--role", "dialer", "--name", "asterisk")
    with Server(data) as running:
        yield running, token.strip().splitlines()[-1]


def agi_session(
    args: list[str], exten: str, env: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Runs callkeep-agi as Asterisk does: answers each command with `200 result=1` and
    returns the variables set and every command written."""
    program = AGI_PROGRAM
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CALLKEEP_")}
    environ["CALLKEEP_AGI_CONFIG"] = "/nonexistent/agi.conf"
    environ.update(env or {})
    process = subprocess.Popen(
        [program, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert process.stdin is not None and process.stdout is not None
    for line in AGI_ENV:
        process.stdin.write(line.format(exten=exten) + "\n")
    process.stdin.write("\n")
    process.stdin.flush()
    variables: dict[str, str] = {}
    commands: list[str] = []
    while True:
        command = process.stdout.readline()
        if not command:
            break
        commands.append(command.rstrip("\n"))
        if command.startswith("SET VARIABLE "):
            _, _, name, value = command.rstrip("\n").split(" ", 3)
            assert value.startswith('"') and value.endswith('"'), command
            variables[name] = value[1:-1]
        process.stdin.write("200 result=1\n")
        process.stdin.flush()
    assert process.wait(timeout=30) == 0, process.stderr.read()
    return variables, commands


def test_a_clear_number_is_allowed_with_its_decision(server) -> None:
    running, token = server
    variables, commands = agi_session(
        [CLEAR, "seller=andro", "campaign=heat-pumps", f"at={AT}", f"url={running.url}",
         f"token={token}"],
        exten=CLEAR,
    )  # fmt: skip
    assert variables["CALLKEEP_ALLOWED"] == "1"
    assert variables["CALLKEEP_REASONS"] == ""
    assert len(variables["CALLKEEP_DECISION_ID"]) >= 20
    assert [c.split(" ")[2] for c in commands] == [
        "CALLKEEP_ALLOWED", "CALLKEEP_DECISION_ID", "CALLKEEP_REASONS",
    ]  # fmt: skip


def test_a_number_on_the_registry_is_blocked_with_its_reason(server) -> None:
    running, token = server
    variables, _ = agi_session(
        [f"at={AT}", "seller=andro"],
        exten=ON_REGISTRY,  # no number argument: the extension dialed is the number
        env={"CALLKEEP_URL": running.url, "CALLKEEP_TOKEN": token},
    )
    assert variables["CALLKEEP_ALLOWED"] == "0"
    assert variables["CALLKEEP_REASONS"] == "national_dnc"
    assert variables["CALLKEEP_DECISION_ID"]


def test_the_stored_decision_is_the_one_the_channel_names(server) -> None:
    import urllib.request

    running, token = server
    variables, _ = agi_session(
        [ASKED_NOT_TO, f"url={running.url}", f"token={token}"], exten="s"
    )  # now: the request counts from the moment it was recorded
    assert variables["CALLKEEP_ALLOWED"] == "0" and "entity_dnc" in variables["CALLKEEP_REASONS"]
    # a dialer reads nothing back: the stored decision is read with an auditor's token
    auditor = callkeep(running.data_dir, "token", "create", "--role", "auditor", "--name", "audit")
    request = urllib.request.Request(
        f"{running.url}/api/v1/checks/{variables['CALLKEEP_DECISION_ID']}",
        headers={"Authorization": f"Bearer {auditor.strip().splitlines()[-1]}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        stored = json.loads(response.read())
    assert stored["phone"] == "+12075550177" and stored["allowed"] is False


def test_settings_come_from_the_config_file(server, tmp_path) -> None:
    running, token = server
    config = tmp_path / "agi.conf"
    config.write_text(f"[callkeep]\nurl = {running.url}\ntoken = {token}\nseller = andro\n")
    variables, _ = agi_session([CLEAR, f"at={AT}", f"config={config}"], exten=CLEAR)
    assert variables["CALLKEEP_ALLOWED"] == "1"


def test_a_refused_token_blocks(server) -> None:
    running, _ = server
    variables, commands = agi_session(
        [CLEAR, f"url={running.url}", "token=not-a-token"], exten=CLEAR
    )
    assert variables == {
        "CALLKEEP_ALLOWED": "0", "CALLKEEP_DECISION_ID": "", "CALLKEEP_REASONS": "callkeep_error",
    }  # fmt: skip
    assert any(c.startswith("VERBOSE ") and "401" in c for c in commands)


def test_an_unreachable_callkeep_fails_closed() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    variables, commands = agi_session([CLEAR, f"url=http://{HOST}:{port}", "token=x"], exten=CLEAR)
    assert variables == {
        "CALLKEEP_ALLOWED": "0", "CALLKEEP_DECISION_ID": "", "CALLKEEP_REASONS": "callkeep_unreachable",
    }  # fmt: skip
    assert time.monotonic() - started < 10
    assert any(c.startswith("VERBOSE ") for c in commands)


def test_a_callkeep_that_does_not_answer_in_time_fails_closed() -> None:
    silent = socket.socket()
    silent.bind((HOST, 0))
    silent.listen(8)  # accepts connections, never answers
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        port = silent.getsockname()[1]
        started = time.monotonic()
        variables, _ = agi_session(
            [CLEAR, f"url=http://{HOST}:{port}", "token=x", "timeout=0.5"], exten=CLEAR
        )
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()
    assert variables["CALLKEEP_ALLOWED"] == "0"
    assert variables["CALLKEEP_REASONS"] == "callkeep_unreachable"
    assert elapsed < 5


def test_a_hangup_ends_the_script_quietly(tmp_path) -> None:
    program = AGI_PROGRAM
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLKEEP_")}
    env["CALLKEEP_AGI_CONFIG"] = "/nonexistent"
    done = subprocess.run(
        [program, CLEAR, f"url=http://{HOST}:{free_port()}"],
        input="agi_extension: 2075550123\n\nHANGUP\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.splitlines() == ['SET VARIABLE CALLKEEP_ALLOWED "0"']
