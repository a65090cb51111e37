"""A stand-in for VICIdial's `non_agent_api.php`, written from its `add_dnc_phone` branch
(`www/vicidial/non_agent_api.php`, checked in this order there): the login (`user_authorization`:
a wrong password answers ``ERROR: Login incorrect, please try again: |user|pass|BAD|``), the
source (at least 2 characters), the user's right to modify lists, the required fields (a number
of 6 characters or more, a campaign), a number already on that list, then the insert into
``vicidial_dnc`` (SYSTEM_INTERNAL) or ``vicidial_campaign_dnc``. Every answer is HTTP 200 with
one text line; fields are read from the query string, else from the posted form."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"


class VicidialStandIn:
    """Answers `refusals` add_dnc_phone calls with VICIdial's permission ERROR (an admin who
    has not yet turned on "modify lists"), then adds the numbers."""

    def __init__(self, user: str = "6666", password: str = "1234", refusals: int = 0) -> None:
        self.user, self.password, self.refusals = user, password, refusals
        self.system_dnc: set[str] = set()
        self.campaign_dnc: set[tuple[str, str]] = set()
        self.calls: list[tuple[float, str, dict[str, str], str]] = []  # (at, method, form, answer)
        self.arrived = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer({})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self._answer({k: v[0] for k, v in parse_qs(body.decode()).items()})

            def _answer(self, posted: dict[str, str]) -> None:
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                form = {**posted, **query}  # $_GET first, as VICIdial reads them
                text = stand_in.answer(form)
                with stand_in.arrived:
                    stand_in.calls.append((time.monotonic(), self.command, form, text))
                    stand_in.arrived.notify_all()
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/vicidial/non_agent_api.php"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, form: dict[str, str]) -> str:
        user, password = form.get("user", ""), form.get("pass", "")
        if (user, password) != (self.user, self.password):
            return f"ERROR: Login incorrect, please try again: |{user}|{password}|BAD|\n"
        if form.get("function") != "add_dnc_phone":
            return "ERROR: NO FUNCTION SPECIFIED\n"
        source = re.sub(r"[^0-9a-zA-Z]", "", form.get("source", ""))
        if len(source) < 2:
            return f"ERROR: Invalid Source - {source}\nERROR: Invalid Source: |{source}|\n"
        refused = sum(1 for c in self.calls if "PERMISSION" in c[3])
        if refused < self.refusals:
            return (
                "ERROR: add_dnc_phone USER DOES NOT HAVE PERMISSION TO ADD DNC NUMBERS: "
                f"|{user}|0\n"
            )
        phone = re.sub(r"[^,0-9]", "", form.get("phone_number", ""))
        campaign = re.sub(r"[^-_0-9a-zA-Z]", "", form.get("campaign_id", ""))
        data = f"{phone}|{campaign}"
        if len(phone) < 6 or len(campaign) < 1:
            return f"ERROR: add_dnc_phone YOU MUST USE ALL REQUIRED FIELDS: |{user}|{data}\n"
        system = campaign == "SYSTEM_INTERNAL"
        if (phone in self.system_dnc) if system else ((phone, campaign) in self.campaign_dnc):
            return f"ERROR: add_dnc_phone DNC NUMBER ALREADY EXISTS: |{user}|{data}\n"
        if system:
            self.system_dnc.add(phone)
        else:
            self.campaign_dnc.add((phone, campaign))
        return f"SUCCESS: add_dnc_phone DNC NUMBER HAS BEEN ADDED - {user}|{data}\n"

    def __enter__(self) -> VicidialStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for_success(self, seconds: float) -> list[tuple[float, str, dict[str, str], str]]:
        """Waits (bounded) for a SUCCESS answer; returns every call so far."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while not any(c[3].startswith("SUCCESS") for c in self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.arrived.wait(left)
            return list(self.calls)
