"""`calls import`: dialer files become complete call records, each line once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from dialer_fixtures import CSV_MAP, Cdr, master_csv, vicidial_export, vicidial_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from served import callkeep
from sqlalchemy import func, select

from callkeep.dialer import files, imports
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m


def stored(rt: Runtime) -> list[dict[str, Any]]:
    with rt.db.transaction(read_only=True) as s:
        calls = s.scalars(select(m.Call).order_by(m.Call.started_at, m.Call.id)).all()
        return [{c.key: getattr(row, c.key) for c in m.Call.__table__.columns} for row in calls]


def count(rt: Runtime) -> int:
    with rt.db.transaction(read_only=True) as s:
        return int(s.scalar(select(func.count()).select_from(m.Call)) or 0)


def test_an_asterisk_master_csv_becomes_complete_call_records(floor, import_file) -> None:
    text = master_csv(
        [
            Cdr(),  # answered, 95 s after the answer
            Cdr(
                dst="2075550124",
                src="1001",  # an extension: the line is the campaign's caller ID
                clid='"Claire" <1001>',
                start=datetime(2026, 11, 2, 9, 2),
                answer=None,  # unanswered: an empty, unquoted answer time
                end=datetime(2026, 11, 2, 9, 2, 30),
                disposition="NO ANSWER",
                uniqueid="1762092120.2",
            ),
        ]
    )
    assert ',"2026-11-02 09:02:00",,"2026-11-02 09:02:30",30,0,"NO ANSWER",' in text
    report = import_file(text, campaign="heat-pumps", telemarketer="Claire F.")
    assert (report.lines, report.imported, report.problems) == (2, 2, 0)
    first, second = stored(floor)
    assert first["called_number"] == "+12075550123"
    # 09:00:05 in Maine on 2 November 2026 (standard time, UTC-5)
    assert first["started_at"] == datetime(2026, 11, 2, 14, 0, 5, tzinfo=UTC)
    assert first["duration_seconds"] == 95 and first["disposition"] == "answered_person"
    assert first["caller_id_number"] == "+12077840100" and first["caller_id_name"] == "ANDRO ENERGY"
    assert first["subject"] == "heat pumps" and first["prerecorded"] is False
    assert first["consumer_or_business"] == "consumer" and first["outbound"] is True
    assert first["employee_id"] is not None and first["telemarketer_name"] is None
    assert first["external_call_id"].startswith("asterisk:1762092005.1:")
    assert second["disposition"] == "no_answer" and second["duration_seconds"] == 0
    assert second["calling_number"] == "+12077840100"  # not the extension 1001
    assert second["caller_id_number"] == "+12077840100"
    assert second["campaign_id"] == first["campaign_id"] is not None


def test_times_are_read_in_the_dialers_zone_on_both_sides_of_a_clock_change(
    floor, import_file
) -> None:
    summer = Cdr(start=datetime(2026, 7, 6, 9, 0), answer=None, end=datetime(2026, 7, 6, 9, 0, 20))
    summer.disposition, summer.uniqueid = "BUSY", "1783342800.7"
    report = import_file(
        master_csv([summer, Cdr()]), telemarketer="Claire F.", campaign="heat-pumps"
    )
    assert report.imported == 2
    july, november = stored(floor)
    assert july["started_at"] == datetime(2026, 7, 6, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    assert november["started_at"] == datetime(2026, 11, 2, 14, 0, 5, tzinfo=UTC)  # EST
    assert july["disposition"] == "busy"


def test_a_time_the_clocks_skipped_is_reported_not_shifted(floor, import_file) -> None:
    skipped = Cdr(start=datetime(2026, 3, 8, 2, 30), answer=None, end=datetime(2026, 3, 8, 2, 31))
    skipped.disposition = "NO ANSWER"
    report = import_file(
        master_csv([skipped, Cdr()]), telemarketer="Claire F.", campaign="heat-pumps"
    )
    assert report.imported == 1 and report.problems == 1
    assert report.first_problems[0].line == 1
    assert "does not exist in America/New_York" in report.first_problems[0].message


def test_importing_the_same_file_again_adds_nothing(floor, import_file) -> None:
    text = master_csv([Cdr(), Cdr(dst="2075550124", uniqueid="1762092120.2")], newline="\r\n")
    options = {"telemarketer": "Claire F.", "campaign": "heat-pumps"}
    assert import_file(text, **options).imported == 2
    again = import_file(text, **options)
    assert (again.imported, again.repeats) == (0, 2)
    # the same records with LF endings, as another copy of the file, are the same calls
    assert import_file(text.replace("\r\n", "\n"), **options).repeats == 2
    assert count(floor) == 2
    with floor.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


def test_two_records_sharing_a_uniqueid_are_two_calls(floor, import_file) -> None:
    forked = [Cdr(), Cdr(dst="2075550124", dstchannel="SIP/carrier-00000009")]
    report = import_file(master_csv(forked), telemarketer="Claire F.", campaign="heat-pumps")
    assert report.imported == 2


def test_each_unreadable_line_is_reported_with_its_number_and_the_rest_kept(
    floor, import_file
) -> None:
    bad_date = Cdr(uniqueid="1762092300.4")
    text = master_csv([Cdr(), Cdr(dst="not a number", uniqueid="1762092200.3"), bad_date])
    text = text.replace('"2026-11-02 09:00:05"', '"yesterday"', 1)  # only the first record
    text += "this is not a CDR\n"
    text += Cdr(disposition="HELD", uniqueid="1762092400.5").line() + "\n"
    report = import_file(text, telemarketer="Claire F.", campaign="heat-pumps")
    assert report.lines == 5 and report.imported == 1 and report.problems == 4
    by_line = {p.line: p.message for p in report.first_problems}
    assert set(by_line) == {1, 2, 4, 5}
    assert "'yesterday' is not a time" in by_line[1]
    assert "'not a number' is not a dialable phone number" in by_line[2]
    assert "16 to 21" in by_line[4]
    assert "'HELD' is not one Asterisk writes" in by_line[5]


def test_an_unbalanced_quote_damages_only_its_own_line(floor, import_file) -> None:
    damaged = Cdr(uniqueid="1762092200.3").line().replace('"ANSWERED"', '"ANSWERED', 1)
    text = (
        Cdr().line() + "\n" + damaged + "\n" + Cdr(dst="2075550124", uniqueid="1762092300.4").line()
    )
    report = import_file(text + "\n", telemarketer="Claire F.", campaign="heat-pumps")
    assert (report.imported, report.problems) == (2, 1)
    assert report.first_problems[0].line == 2


def test_a_record_without_a_telemarketer_is_reported_not_invented(floor, import_file) -> None:
    report = import_file(master_csv([Cdr()]), campaign="heat-pumps")
    assert report.imported == 0 and report.problems == 1
    assert "telemarketer" in report.first_problems[0].message
    assert count(floor) == 0
    with pytest.raises(InvalidInput, match="no call could be imported"):
        imports.refuse_if_nothing_kept(report)


def test_without_a_campaign_a_record_lacks_its_subject_and_says_so(floor, import_file) -> None:
    report = import_file(master_csv([Cdr()]), telemarketer="Claire F.")
    assert report.problems == 1 and "subject" in report.first_problems[0].message


def test_optional_asterisk_columns_are_recognized(floor, import_file) -> None:
    plain = Cdr(uniqueid=None, dst="2075550125")
    with_userfield = Cdr(uniqueid=None, userfield="lead 42", dst="2075550126")
    both = Cdr(uniqueid="1762092500.6", userfield="lead 43", dst="2075550127")
    newcdr = Cdr(uniqueid="1762092600.8", extra=['""', '"1762092600.8"', "3"], dst="2075550128")
    report = import_file(
        master_csv([plain, with_userfield, both, newcdr]),
        telemarketer="Claire F.",
        campaign="heat-pumps",
    )
    assert report.imported == 4, report.first_problems
    ids = sorted(row["external_call_id"].rsplit(":", 1)[0] for row in stored(floor))
    assert ids == [
        "asterisk",
        "asterisk",
        "asterisk:1762092500.6",
        "asterisk:1762092600.8.3",
    ]


def test_the_pre_dial_decision_kept_in_the_userfield_is_linked(floor, import_file) -> None:
    marked = Cdr(userfield="callkeep:01JD8Z2Q4M7T9K3B5X6W0VYHNR")
    import_file(master_csv([marked]), telemarketer="Claire F.", campaign="heat-pumps")
    assert stored(floor)[0]["decision_id"] == "01JD8Z2Q4M7T9K3B5X6W0VYHNR"


def test_caller_id_names_with_quotes_survive_the_quoting(floor, import_file) -> None:
    # Asterisk merges a caller ID as "name" <number> without escaping the name's own quotes;
    # cdr_csv.c then doubles every quote of the field
    quoted = Cdr(clid='"ANDRO "HOME" ENERGY" <2077840100>')
    assert ',"""ANDRO ""HOME"" ENERGY"" <2077840100>",' in quoted.line()
    import_file(master_csv([quoted]), telemarketer="Claire F.", campaign="heat-pumps")
    assert stored(floor)[0]["caller_id_name"] == 'ANDRO "HOME" ENERGY'


@pytest.fixture
def machine_in_maine(monkeypatch: pytest.MonkeyPatch):
    """This process's local time is Maine's (TZ), as the C library sees it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_without_a_zone_asterisk_times_are_this_machines_local_time(
    floor, import_file, machine_in_maine
) -> None:
    summer = Cdr(start=datetime(2026, 7, 6, 9, 0), answer=None, end=datetime(2026, 7, 6, 9, 0, 20))
    summer.disposition, summer.uniqueid = "BUSY", "1783342800.7"
    report = import_file(
        master_csv([summer, Cdr()]), timezone=None, telemarketer="Claire F.", campaign="heat-pumps"
    )
    assert report.imported == 2 and report.timezone == "this machine's local time"
    july, november = stored(floor)
    assert july["started_at"] == datetime(2026, 7, 6, 13, 0, tzinfo=UTC)
    assert november["started_at"] == datetime(2026, 11, 2, 14, 0, 5, tzinfo=UTC)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moment=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_this_machines_local_time_is_read_as_its_zone_is(
    machine_in_maine, moment: datetime
) -> None:
    """SYSTEM_LOCAL (the C library's localtime) against the IANA zone it is set to."""
    from zoneinfo import ZoneInfo

    text = moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    repeated = moment.month == 11 and moment.day in (1, 7) and moment.hour == 1
    if repeated:  # the autumn hour happens twice: the C library may take either
        return
    answers = []
    for zone in (files.SYSTEM_LOCAL, ZoneInfo("America/New_York")):
        try:
            answers.append(files.local_instant(text, zone, what="t"))
        except ValueError:
            answers.append("skipped by the clocks")
    assert answers[0] == answers[1]


def test_an_unknown_zone_is_refused(floor, import_file) -> None:
    with pytest.raises(InvalidInput, match="not an IANA time zone"):
        import_file(master_csv([Cdr()]), timezone="Maine/Auburn")


def test_a_vicidial_call_export_maps_statuses_agents_and_drops(floor, import_file) -> None:
    rows = [
        vicidial_row(call_date="2026-11-02 09:00:00", phone="2075550101", status="SALE", lead_id=1),
        vicidial_row(
            call_date="2026-11-02 09:01:00", phone="2075550102", status="DROP", user="VDAD",
            full_name="", length=3, lead_id=2,
        ),
        vicidial_row(call_date="2026-11-02 09:02:00", phone="2075550103", status="PDROP", lead_id=3),
        vicidial_row(call_date="2026-11-02 09:03:00", phone="2075550104", status="AA", lead_id=4),
        vicidial_row(call_date="2026-11-02 09:04:00", phone="2075550105", status="NA", lead_id=5),
        vicidial_row(call_date="2026-11-02 09:05:00", phone="2075550106", status="DNCL", lead_id=6),
        vicidial_row(call_date="2026-11-02 09:06:00", phone="2075550107", status="XFER", lead_id=7),
        vicidial_row(call_date="2026-11-02 09:07:00", phone="2075550108", status="ZZTOP", lead_id=8),
        vicidial_row(
            call_date="2026-11-02 09:08:00", phone="2075550109", status="B", lead_id=9,
            comments='said "call back" later',
        ),
    ]  # fmt: skip
    report = import_file(
        vicidial_export(rows), name="export.txt", file_format="vicidial", telemarketer="Claire F."
    )
    assert (report.imported, report.skipped, report.problems) == (6, 1, 2), report.first_problems
    problems = {p.line: p.message for p in report.first_problems}
    assert "transfer_to" in problems[8]  # XFER: the export does not say to whom
    assert "'ZZTOP' is not a known VICIdial status" in problems[9]
    calls = {row["called_number"]: row for row in stored(floor)}
    assert calls["+12075550101"]["disposition"] == "answered_person"
    assert calls["+12075550101"]["telemarketer_name"] == "Claire Fortin"
    assert calls["+12075550101"]["started_at"] == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert calls["+12075550101"]["subject"] == "heat pumps"  # HEAT_PUMPS is heat-pumps
    dropped = calls["+12075550102"]
    assert dropped["disposition"] == "dropped" and dropped["outcome"] == "vicidial DROP"
    assert dropped["telemarketer_name"] is None and dropped["employee_id"] is not None  # VDAD
    assert calls["+12075550103"]["disposition"] == "dropped"
    assert calls["+12075550104"]["disposition"] == "answering_machine"
    assert calls["+12075550105"]["disposition"] == "no_answer"
    assert calls["+12075550109"]["disposition"] == "busy"
    again = import_file(vicidial_export(rows), name="export.txt", file_format="vicidial",
                        telemarketer="Claire F.")  # fmt: skip
    assert again.imported == 0 and again.repeats == 6


def test_custom_vicidial_statuses_can_be_mapped(floor, import_file) -> None:
    rows = [vicidial_row(call_date="2026-11-02 09:00:00", phone="2075550101", status="ZZTOP")]
    mapping = files.load_map(
        None, text='"call_date" = "started_at"\n[dispositions]\nZZTOP = "answered_person"\n'
    )
    report = import_file(vicidial_export(rows), file_format="vicidial", column_map=mapping)
    assert report.imported == 1


def test_an_unknown_vicidial_campaign_is_reported(floor, import_file) -> None:
    rows = [vicidial_row(call_date="2026-11-02 09:00:00", phone="2075550101", status="SALE",
                         campaign_id="WINDOWS")]  # fmt: skip
    report = import_file(vicidial_export(rows), file_format="vicidial")
    assert report.problems == 1 and "'WINDOWS' is not set up" in report.first_problems[0].message


def test_a_file_that_is_not_a_vicidial_export_is_refused_whole(floor, import_file) -> None:
    with pytest.raises(InvalidInput, match="not a VICIdial call export header"):
        import_file(master_csv([Cdr()]), file_format="vicidial")


def test_any_csv_imports_through_a_column_map(floor, import_file, tmp_path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(CSV_MAP, encoding="utf-8")
    text = (
        "Phone,Start,Secs,Result,Agent,Call ID\n"
        '207-555-0101,11/02/2026 09:00 AM,61,Talked,"Fortin, Claire",c-1\n'
        "207-555-0102,11/02/2026 09:05 AM,0,VM,Claire F.,c-2\n"
        "207-555-0103,11/02/2026 09:06 AM,0,Hung up,Claire F.,c-3\n"
    )
    report = import_file(
        text, name="calls.csv", file_format="csv", campaign="heat-pumps",
        column_map=files.load_map(mapping),
    )  # fmt: skip
    assert (report.imported, report.problems) == (2, 1)
    assert report.first_problems[0].line == 4
    first, second = stored(floor)
    assert first["telemarketer_name"] == "Fortin, Claire" and first["external_call_id"] == "csv:c-1"
    assert first["started_at"] == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert second["disposition"] == "answering_machine"


def test_a_map_naming_no_call_field_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'Phone' maps to 'number', which is no call field"):
        files.load_map(None, text='"Phone" = "number"\n')
    with pytest.raises(InvalidInput, match="not a TOML file"):
        files.load_map(None, text="Phone = \n")


class Interrupted(Exception):
    pass


def test_an_interrupted_import_resumes_without_duplicates_or_losses(floor, tmp_path) -> None:
    total = imports.CHUNK * 2 + 123
    records = [
        Cdr(dst=f"207555{1000 + i % 9000:04d}", uniqueid=f"1762090000.{i}") for i in range(total)
    ]
    path = tmp_path / "Master.csv"
    path.write_text(master_csv(records), encoding="utf-8")
    options = imports.ImportOptions(
        file_format="asterisk-cdr", timezone="America/New_York", telemarketer="Claire F.",
        campaign="heat-pumps",
    )  # fmt: skip

    def cut_after(lines: int, handle):
        for number, line in enumerate(handle, start=1):
            if number > lines:
                raise Interrupted
            yield line

    with imports.opened(path) as handle, pytest.raises(Interrupted):
        imports.import_calls(
            db=floor.db, actor="test", sources=[("Master.csv", cut_after(imports.CHUNK + 10, handle))],
            options=options,
        )  # fmt: skip
    assert count(floor) == imports.CHUNK  # the first chunk committed whole, the second not at all
    with imports.opened(path) as handle:
        report = imports.import_calls(
            db=floor.db, actor="test", sources=[("Master.csv", handle)], options=options
        )
    assert (report.repeats, report.imported) == (imports.CHUNK, total - imports.CHUNK)
    assert count(floor) == total
    with floor.db.transaction(read_only=True) as s:
        assert ledger.verify(session=s).intact


def test_every_status_the_formats_name_has_a_meaning() -> None:
    """VICIDIAL_statuses.txt and cdr_csv.c name these; each maps or is no call."""
    vicidial = files.disposition_table("vicidial")
    skipped = files.not_calls("vicidial")
    for status in (
        "NEW",
        "NA",
        "B",
        "A",
        "AA",
        "DROP",
        "PDROP",
        "SALE",
        "DNC",
        "DNCL",
        "DNCC",
        "XFER",
    ):
        assert status in vicidial or status in skipped
    assert set(files.disposition_table("asterisk")) >= {"ANSWERED", "NO ANSWER", "BUSY", "FAILED"}
    assert {vicidial["DROP"], vicidial["PDROP"]} == {"dropped"}  # the report's abandoned calls
    for table in (vicidial, files.disposition_table("asterisk")):
        assert set(table.values()) <= files.DISPOSITIONS


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=texts, lastdata=texts, userfield=texts)
def test_any_strings_asterisk_quotes_are_read_back(
    name: str, lastdata: str, userfield: str
) -> None:
    record = Cdr(clid=f'"{name}" <2077840100>', lastdata=lastdata, userfield=userfield)
    [read] = list(files.read_asterisk([record.line() + "\r\n"], zone=files.zone_named("UTC")))
    assert isinstance(read, files.FileCall), read
    assert read.fields["called_number"] == "12075550123"
    assert read.fields["duration_seconds"] == 95
    assert read.fields.get("caller_id_number") == "2077840100"


local_moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    moment=local_moments,
    near=st.sampled_from(
        [
            None,
            datetime(2026, 3, 8, 2),
            datetime(2026, 11, 1, 1),
            datetime(2026, 4, 5, 1, 30),
            datetime(2026, 10, 4, 2),
        ]
    ),
    minutes=st.integers(min_value=-90, max_value=90),
    zone=st.sampled_from(
        ["America/New_York", "America/Phoenix", "Australia/Lord_Howe", "America/St_Johns", "UTC"]
    ),
)
def test_the_hourly_offset_shortcut_reads_every_time_as_the_zone_does(
    moment: datetime, near: datetime | None, minutes: int, zone: str
) -> None:
    """LocalTimes reuses an hour's offset; it must answer exactly as local_instant does."""
    from datetime import timedelta

    if near is not None:
        moment = near + timedelta(minutes=minutes, seconds=moment.second)
    text = moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    tz = files.zone_named(zone)
    clock = files.LocalTimes(tz)
    for _ in range(2):  # the first reading fills the hour's cache, the second uses it
        try:
            slow: datetime | str = files.local_instant(text, tz, what="t")
        except ValueError as exc:
            slow = str(exc)
        try:
            fast: datetime | str = clock.instant(text, what="t")
        except ValueError as exc:
            fast = str(exc)
        assert fast == slow


def test_an_import_killed_mid_file_and_run_again_keeps_every_call_once(tmp_path) -> None:
    """The command line killed (SIGKILL) after some chunks committed, then run again."""
    data = tmp_path / "data"
    callkeep(data, "sellers", "add", "Androscoggin Home Energy", "--slug", "andro", "--default")
    callkeep(data, "campaigns", "add", "heat-pumps", "--subject", "heat pumps")
    total = imports.CHUNK * 12
    path = tmp_path / "Master.csv"
    records = (
        Cdr(dst=f"207555{1000 + i % 9000:04d}", uniqueid=f"1762090000.{i}") for i in range(total)
    )
    path.write_text("".join(r.line() + "\n" for r in records), encoding="utf-8")
    args = [sys.executable, "-m", "callkeep", "calls", "import", str(path), "--format",
            "asterisk-cdr", "--campaign", "heat-pumps", "--telemarketer", "Claire F.",
            "--timezone", "America/New_York"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "CALLKEEP_DATABASE_URL"}
    env["CALLKEEP_DATA_DIR"] = str(data)

    def stored_count() -> int:
        with sqlite3.connect(data / "callkeep.db", timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM calls").fetchone()[0])

    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored_count() == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    at_kill = stored_count()
    assert 0 < at_kill < total, "the kill came mid-file"
    assert at_kill % imports.CHUNK == 0  # whole chunks only
    again = subprocess.run([*args, "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["repeats"], report["imported"]) == (at_kill, total - at_kill)
    with sqlite3.connect(data / "callkeep.db") as conn:
        distinct, rows = conn.execute(
            "SELECT count(DISTINCT external_call_id), count(*) FROM calls"
        ).fetchone()
    assert distinct == rows == total
