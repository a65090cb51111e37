"""`calls import` stores exactly what the plain path stores: each fixture file (Asterisk with and
without `uniqueid`, VICIdial, a mapped CSV, odd quoting, bad lines) imported through the import's
chunked bulk path for one seller, and line by line through `records.calls.record_calls` (each
line read alone, each call checked by `prepare_call` and written on its own) for a twin seller
with the same campaign; the stored calls, the lines refused and the ledger must agree."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import world as world_module
from dialer_fixtures import CSV_MAP, Cdr, master_csv, vicidial_export, vicidial_row
from pydantic import ValidationError
from sqlalchemy import select

from callkeep.dialer import files, imports
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.ledger import service as ledger
from callkeep.records import models as m
from callkeep.records.calls import service as calls
from callkeep.records.parties import models as pm

_NOT_COMPARED = ("id", "recorded_at", "recorded_by", "seller_id", "campaign_id")

_MAP = '"From" = "calling_number"' + CSV_MAP  # a top-level key, before the tables


def _asterisk(uniqueid: bool) -> str:
    base = [
        Cdr(),
        Cdr(dst="2075550124", src="1001", clid='"Claire" <1001>', answer=None,
            start=datetime(2026, 11, 2, 9, 2), end=datetime(2026, 11, 2, 9, 2, 30),
            disposition="NO ANSWER", uniqueid="1762092120.2"),
        Cdr(dst="2075550125", clid='"O""Brien, ""Jr""" <2077840100>', uniqueid="1762092130.3",
            disposition="BUSY", answer=None, userfield="callkeep:01JCALLKEEPDECISION0001"),
        Cdr(dst="2075550126", clid="2077840100", uniqueid="1762092140.4", src=""),
        Cdr(dst="not a number", uniqueid="1762092150.5"),
        Cdr(disposition="HELD", uniqueid="1762092160.6"),
        Cdr(dst="2075550127", start=datetime(2026, 11, 1, 1, 30), answer=None,
            end=datetime(2026, 11, 1, 1, 31), disposition="FAILED", uniqueid="1762092170.7"),
        Cdr(dst="2" * 41, uniqueid="1762092175.10"),  # CallIn refuses it: longer than 40
        Cdr(dst="2075550129", start=datetime(2026, 11, 2, 9, 0), answer=datetime(2026, 11, 2, 9, 0),
            end=datetime(2026, 11, 10, 9, 0), uniqueid="1762092176.11"),  # billsec over a week
        Cdr(dst="2075550130", clid='"Nul\x00Name" <2077840100>', uniqueid="1762092177.12"),
        Cdr(),  # the first line again: a repeat
    ]  # fmt: skip
    if not uniqueid:
        for cdr in base:
            cdr.uniqueid = None
    text = master_csv(base, newline="\r\n")
    text += "this is not a CDR\r\n"
    damaged = Cdr(uniqueid="1762092180.8").line().replace('"ANSWERED"', '"ANSWERED', 1)
    return text + damaged + "\r\n" + Cdr(dst="2075550128", uniqueid="1762092190.9").line() + "\n"


def _vicidial() -> str:
    rows = [
        vicidial_row(call_date="2026-11-02 09:00:00", phone="2075550101", status="SALE", lead_id=1),
        vicidial_row(call_date="2026-11-02 09:01:00", phone="2075550102", status="DROP",
                     user="VDAD", full_name="", length=3, lead_id=2),
        vicidial_row(call_date="2026-11-02 09:04:00", phone="2075550105", status="NA", lead_id=5),
        vicidial_row(call_date="2026-11-02 09:05:00", phone="2075550106", status="DNCL", lead_id=6),
        vicidial_row(call_date="2026-11-02 09:06:00", phone="2075550107", status="XFER", lead_id=7),
        vicidial_row(call_date="2026-11-02 09:07:00", phone="2075550108", status="ZZTOP", lead_id=8),
        vicidial_row(call_date="2026-11-02 09:08:00", phone="2075550109", status="B", lead_id=9,
                     comments='said "call back" later'),
    ]  # fmt: skip
    return vicidial_export(rows)


def _mapped() -> str:
    return (
        "Phone,Start,Secs,Result,Agent,Call ID,From\n"
        '207-555-0101,11/02/2026 09:00 AM,61,Talked,"Fortin, Claire",c-1,2077840100\n'
        "207-555-0102,11/02/2026 09:05 AM,0,VM,Claire F.,c-2,\n"
        "207-555-0103,11/02/2026 09:06 AM,0,Hung up,Claire F.,c-3,\n"
        '"207-555-0104","11/02/2026 09:07 AM","12","Talked","Claire F.","c-4","1001"\n'
    )


FIXTURES: dict[str, tuple[str, dict[str, Any]]] = {
    "asterisk": (_asterisk(True), {"file_format": "asterisk-cdr", "campaign": "heat-pumps"}),
    "asterisk-no-uniqueid": (
        _asterisk(False),
        {"file_format": "asterisk-cdr", "campaign": "heat-pumps"},
    ),
    "vicidial": (_vicidial(), {"file_format": "vicidial"}),
    "csv": (_mapped(), {"file_format": "csv", "campaign": "heat-pumps"}),
}


@pytest.fixture
def twins(floor: Runtime) -> Runtime:
    """The dialer world, and a second seller with the same heat-pump campaign."""
    with floor.db.transaction() as session:
        make = world_module.Builder(world_module.World(rt=floor), session, actor="test")
        make.seller(world_module.BIRCH_ENERGY, slug="twin")
        make.campaign("twin", world_module.HEAT_PUMPS)
    return floor


def _options(seller: str, settings: dict[str, Any], tmp_path: Path) -> imports.ImportOptions:
    column_map = None
    if settings["file_format"] == "csv":
        (tmp_path / "map.toml").write_text(_MAP, encoding="utf-8")
        column_map = files.load_map(tmp_path / "map.toml")
    return imports.ImportOptions(
        **settings,
        seller=seller,
        telemarketer="Claire F.",
        timezone="America/New_York",
        column_map=column_map,
    )


def _one_line_at_a_time(
    rt: Runtime, options: imports.ImportOptions, text: str
) -> dict[int, str | None]:
    """The plain path: each line read on its own (with the header a format has), its call
    validated as a `CallIn`, checked by `prepare_call` and written alone by `record_calls`;
    returns the refused lines, with the message of each one the reader read (None: the
    checks refused it, in their own words, which name the fields of the seller's own path)."""
    context = imports._context(rt.db, options)
    lines = text.splitlines(keepends=True)
    header = [] if options.file_format == "asterisk-cdr" else lines[:1]
    refused: dict[int, str | None] = {}
    seen: set[str] = set()
    for number in range(len(header) + 1, len(lines) + 1):
        [read] = list(
            files.read_calls(
                [*header, lines[number - 1]],
                file_format=options.file_format,
                zone=imports.zone_of(options),
                column_map=options.column_map,
            )
        ) or [None]
        if not isinstance(read, files.FileCall):
            if isinstance(read, files.LineProblem):
                refused[number] = read.message
            continue
        if read.external_id in seen:
            continue
        try:
            call_in = imports._call_in(read, context, {})
        except ValidationError as exc:
            refused[number] = imports._validation_text(exc)
            continue
        except ValueError as exc:
            refused[number] = str(exc)
            continue
        try:
            with rt.db.transaction() as session:
                calls.record_calls(
                    session=session,
                    actor="test",
                    calls=[call_in.model_copy(update={"seller": "twin"})],
                )
        except (ValueError, InvalidInput):
            refused[number] = None
            continue
        seen.add(read.external_id)
    return refused


def _stored(rt: Runtime, seller: str) -> list[dict[str, Any]]:
    with rt.db.transaction(read_only=True) as session:
        seller_id = session.scalar(select(pm.Seller.id).where(pm.Seller.slug == seller))
        rows = session.scalars(
            select(m.Call).where(m.Call.seller_id == seller_id).order_by(m.Call.external_call_id)
        ).all()
        return [
            {
                c.key: getattr(r, c.key)
                for c in m.Call.__table__.columns
                if c.key not in _NOT_COMPARED
            }
            | {"campaign": session.get(pm.Campaign, r.campaign_id).slug if r.campaign_id else None}
            for r in rows
        ]


@pytest.mark.parametrize("read_apart", [False, True], ids=["read-here", "read-apart"])
@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_the_import_stores_what_the_plain_path_stores(twins, tmp_path, fixture, read_apart) -> None:
    text, settings = FIXTURES[fixture]
    path = tmp_path / "calls.txt"
    path.write_bytes(text.encode("utf-8"))
    fast = _options("andro", settings, tmp_path)
    with imports.opened(path) as handle:
        report = imports.import_calls(
            db=twins.db, actor="test", sources=[("f", handle)], options=fast, read_apart=read_apart
        )
    plain_refused = _one_line_at_a_time(twins, _options("twin", settings, tmp_path), text)
    imported, plain = _stored(twins, "andro"), _stored(twins, "twin")
    assert report.imported == len(imported) > 0
    assert imported == plain
    assert {p.line for p in report.first_problems} == set(plain_refused)
    assert plain_refused  # every fixture has lines that make no call record
    for problem in report.first_problems:  # the reader's and CallIn's words, as the plain path's
        if plain_refused[problem.line] is not None:
            assert problem.message == plain_refused[problem.line], problem
    with twins.db.transaction(read_only=True) as session:
        assert ledger.verify(session=session).intact
