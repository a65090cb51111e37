"""Dialer files written as the dialers write them, from the formats' own definitions.

Asterisk's `cdr/cdr_csv.c` (`build_csv_record`): each string through `append_string` (double
quotes around it, every inner double quote doubled), `duration` and `billsec` through
`append_int` (bare digits), each time through `append_date` (``%Y-%m-%d %T`` quoted as a string,
or an empty, unquoted field when unset, as the `answer` of an unanswered call), fields joined by
commas, the trailing comma cut, one record per line. `uniqueid` and `userfield` follow `amaflags`
when configured.

VICIdial's call export (`call_report_export.php`, standard header): a header row, tab-separated,
no quoting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


def append_string(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def append_int(value: int) -> str:
    return str(value)


def append_date(value: datetime | None) -> str:
    return "" if value is None else append_string(value.strftime("%Y-%m-%d %H:%M:%S"))


@dataclass
class Cdr:
    """One Asterisk CDR; the defaults are an answered outbound call through a SIP trunk."""

    dst: str = "12075550123"
    start: datetime = datetime(2026, 11, 2, 9, 0, 5)
    answer: datetime | None = datetime(2026, 11, 2, 9, 0, 12)
    end: datetime = datetime(2026, 11, 2, 9, 1, 47)
    disposition: str = "ANSWERED"
    src: str = "2077840100"
    clid: str = '"ANDRO ENERGY" <2077840100>'
    accountcode: str = ""
    dcontext: str = "from-internal"
    channel: str = "SIP/1001-00000001"
    dstchannel: str = "SIP/carrier-00000002"
    lastapp: str = "Dial"
    lastdata: str = "SIP/carrier/12075550123,30,tT"
    amaflags: str = "DOCUMENTATION"
    uniqueid: str | None = "1762092005.1"
    userfield: str | None = None
    extra: list[str] = field(default_factory=list)

    @property
    def duration(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def billsec(self) -> int:
        return int((self.end - self.answer).total_seconds()) if self.answer else 0

    def line(self) -> str:
        parts = [
            append_string(self.accountcode),
            append_string(self.src),
            append_string(self.dst),
            append_string(self.dcontext),
            append_string(self.clid),
            append_string(self.channel),
            append_string(self.dstchannel),
            append_string(self.lastapp),
            append_string(self.lastdata),
            append_date(self.start),
            append_date(self.answer),
            append_date(self.end),
            append_int(self.duration),
            append_int(self.billsec),
            append_string(self.disposition),
            append_string(self.amaflags),
        ]
        if self.uniqueid is not None:
            parts.append(append_string(self.uniqueid))
        if self.userfield is not None:
            parts.append(append_string(self.userfield))
        parts.extend(self.extra)
        return ",".join(parts)


def master_csv(records: list[Cdr], *, newline: str = "\n") -> str:
    """A Master.csv: one record per line, no header."""
    return "".join(r.line() + newline for r in records)


VICIDIAL_HEADER = (
    "call_date\tphone_number_dialed\tstatus\tuser\tfull_name\tcampaign_id\tvendor_lead_code\t"
    "source_id\tlist_id\tgmt_offset_now\tphone_code\tphone_number\ttitle\tfirst_name\t"
    "middle_initial\tlast_name\taddress1\taddress2\taddress3\tcity\tstate\tprovince\t"
    "postal_code\tcountry_code\tgender\tdate_of_birth\talt_phone\temail\tsecurity_phrase\t"
    "comments\tlength_in_sec\tuser_group\talt_dial\trank\towner\tlead_id\tlist_name\t"
    "list_description\tstatus_name"
)


def vicidial_row(
    *,
    call_date: str,
    phone: str,
    status: str,
    user: str = "1001",
    full_name: str = "Claire Fortin",
    campaign_id: str = "HEAT_PUMPS",
    length: int = 60,
    lead_id: int = 1,
    comments: str = "",
) -> str:
    """One line of the standard export, in the header's order."""
    values = {
        "call_date": call_date,
        "phone_number_dialed": phone,
        "status": status,
        "user": user,
        "full_name": full_name,
        "campaign_id": campaign_id,
        "list_id": "101",
        "gmt_offset_now": "-5.00",
        "phone_code": "1",
        "phone_number": phone,
        "first_name": "Jane",
        "last_name": "Doe",
        "city": "Auburn",
        "state": "ME",
        "postal_code": "04210",
        "comments": comments,
        "length_in_sec": str(length),
        "user_group": "AGENTS",
        "alt_dial": "MAIN",
        "rank": "0",
        "lead_id": str(lead_id),
        "list_name": "Auburn leads",
        "status_name": status,
    }
    return "\t".join(values.get(name, "") for name in VICIDIAL_HEADER.split("\t"))


def vicidial_export(rows: list[str]) -> str:
    return VICIDIAL_HEADER + "\n" + "".join(r + "\n" for r in rows)


CSV_MAP = """
"Phone" = "called_number"
"Start" = "started_at"
"Secs" = "duration_seconds"
"Result" = "disposition"
"Agent" = "telemarketer"
"Call ID" = "external_call_id"

[dispositions]
"VM" = "answering_machine"
"Talked" = "answered_person"

[options]
time_format = "%m/%d/%Y %I:%M %p"
"""
