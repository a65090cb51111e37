"""`callkeep-agi`: Asterisk's pre-dial hook. Asks callkeep whether a number may be called now and
sets channel variables the dialplan branches on. Python's standard library only, so it runs on
the Asterisk server without the rest of callkeep's dependencies.

Asterisk starts it with ``agi_*: value`` lines on stdin ended by a blank line; it writes AGI
commands on stdout and reads one ``200 result=…`` reply for each. It sets

* ``CALLKEEP_ALLOWED``: ``1`` only when callkeep answered ``allowed: true``; ``0`` otherwise,
  including when callkeep could not be asked (it fails closed);
* ``CALLKEEP_DECISION_ID``: the stored decision (empty when there is none), to send back with
  the call record;
* ``CALLKEEP_REASONS``: the blocking reason codes joined by commas, or
  ``callkeep_unreachable`` (no answer in time) / ``callkeep_error`` (an answer that is no
  decision, e.g. a refused token).

Dialplan: ``AGI(callkeep-agi,${EXTEN},seller=acme,campaign=heat-pumps)``. The URL and token come
from ``url=``/``token=`` arguments, else ``CALLKEEP_URL``/``CALLKEEP_TOKEN`` in the environment,
else the file named by ``config=`` or ``CALLKEEP_AGI_CONFIG`` (default
``/etc/callkeep/agi.conf``, an INI file with a ``[callkeep]`` section: url, token, timeout,
seller, campaign). Keep the token in that file (mode 0600), not in the dialplan.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

DEFAULT_CONFIG = "/etc/callkeep/agi.conf"
DEFAULT_TIMEOUT = 2.0
UNREACHABLE = "callkeep_unreachable"
ERROR = "callkeep_error"
_SETTINGS = ("url", "token", "timeout", "seller", "campaign", "at", "config")


@dataclass(frozen=True)
class Verdict:
    """What the channel variables will say."""

    allowed: bool
    decision_id: str
    reasons: tuple[str, ...]
    note: str = ""


class AgiHangup(Exception):
    """Asterisk hung the channel up, or closed the pipe: nothing more can be said."""


def read_environment(stdin: IO[str]) -> dict[str, str]:
    """The ``agi_*`` lines Asterisk sends first, up to the blank line."""
    found: dict[str, str] = {}
    for raw in stdin:
        line = raw.rstrip("\r\n")
        if not line:
            break
        key, sep, value = line.partition(":")
        if sep:
            found[key.strip()] = value.strip()
    return found


def _arguments(argv: Sequence[str], env: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """The number to check and the ``key=value`` settings, from argv or the agi_arg_N lines."""
    args = list(argv)
    if not args:
        n = 1
        while f"agi_arg_{n}" in env:
            args.append(env[f"agi_arg_{n}"])
            n += 1
    phone: str | None = None
    options: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key.strip().lower() in _SETTINGS:
            options[key.strip().lower()] = value.strip()
        elif arg.strip() and phone is None:
            phone = arg.strip()
    return phone, options


def settings_for(options: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """The settings in force: arguments, then the environment, then the config file."""
    found: dict[str, str] = {}
    path = options.get("config") or environ.get("CALLKEEP_AGI_CONFIG") or DEFAULT_CONFIG
    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
        parser.read(path, encoding="utf-8")
    if parser.has_section("callkeep"):
        found.update({k: v.strip() for k, v in parser.items("callkeep") if k in _SETTINGS})
    for key, name in (("url", "CALLKEEP_URL"), ("token", "CALLKEEP_TOKEN")):
        if environ.get(name):
            found[key] = environ[name]
    found.update({k: v for k, v in options.items() if v})
    return found


def ask(phone: str, settings: Mapping[str, str]) -> Verdict:
    """Asks `POST /api/v1/checks`; any failure to get a decision is a block (fail closed)."""
    url = settings.get("url", "").rstrip("/")
    if not url:
        return Verdict(False, "", (ERROR,), "no callkeep URL: set url= or CALLKEEP_URL")
    try:
        timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    body: dict[str, Any] = {"phone": phone}
    for key in ("seller", "campaign", "at"):
        if settings.get(key):
            body[key] = settings[key]
    request = urllib.request.Request(  # noqa: S310  # the operator's own callkeep URL
        url + "/api/v1/checks",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.get('token', '')}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            decision = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return Verdict(False, "", (ERROR,), f"callkeep answered {exc.code}")
    except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
        reason = getattr(exc, "reason", exc)
        return Verdict(False, "", (UNREACHABLE,), f"callkeep unreachable: {reason}")
    except ValueError:
        return Verdict(False, "", (ERROR,), "callkeep's answer is not JSON")
    if not isinstance(decision, dict) or not isinstance(decision.get("allowed"), bool):
        return Verdict(False, "", (ERROR,), "callkeep's answer is not a decision")
    reasons = tuple(
        str(r.get("code")) for r in decision.get("reasons") or () if isinstance(r, dict)
    )
    allowed = decision["allowed"] is True and not reasons
    return Verdict(allowed, str(decision.get("decision_id") or ""), reasons)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Channel:
    """The AGI conversation: one command out, its reply read back."""

    def __init__(self, stdin: IO[str], stdout: IO[str]) -> None:
        self.stdin = stdin
        self.stdout = stdout

    def command(self, text: str) -> str:
        """Sends one command; returns its ``200 result=…`` reply (raises AgiHangup)."""
        self.stdout.write(text + "\n")
        self.stdout.flush()
        while True:
            line = self.stdin.readline()
            if not line or line.startswith("HANGUP"):
                raise AgiHangup
            reply = line.rstrip("\r\n")
            if reply[:3].isdigit() and reply[3:4] != "-":  # "520-…" continues on later lines
                return reply

    def set_variable(self, name: str, value: str) -> str:
        return self.command(f"SET VARIABLE {name} {_quoted(value)}")


def run(argv: Sequence[str], stdin: IO[str], stdout: IO[str], environ: Mapping[str, str]) -> int:
    """One pre-dial check over AGI; always exits 0 so that the dialplan goes on to branch."""
    env = read_environment(stdin)
    phone, options = _arguments(argv, env)
    phone = phone or env.get("agi_extension") or env.get("agi_dnid") or ""
    settings = settings_for(options, environ)
    verdict = ask(phone, settings) if phone else Verdict(False, "", (ERROR,), "no number to check")
    channel = Channel(stdin, stdout)
    try:
        channel.set_variable("CALLKEEP_ALLOWED", "1" if verdict.allowed else "0")
        channel.set_variable("CALLKEEP_DECISION_ID", verdict.decision_id)
        channel.set_variable("CALLKEEP_REASONS", ",".join(verdict.reasons))
        if verdict.note:
            channel.command(f"VERBOSE {_quoted('callkeep: ' + verdict.note)} 1")
    except AgiHangup:
        return 0
    return 0


def main() -> None:
    """The console entry point Asterisk runs."""
    sys.exit(run(sys.argv[1:], sys.stdin, sys.stdout, os.environ))


if __name__ == "__main__":
    main()
