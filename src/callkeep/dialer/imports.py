"""`calls import`: a dialer's files as call records, streamed, in chunks that commit one by one.

Each line is read (`files`), completed from what the file lacks (the campaign's subject, dialing
mode and caller ID; the seller; the telemarketer given for the file), checked as every call
record is checked (`records`), and stored through the ledger's bulk path. A line's own id (e.g.
Asterisk's `uniqueid`) with its content, stored as the call's external id, identifies it:
importing the same file again, or again after an interruption, adds nothing and loses nothing,
since every chunk before the interruption was committed whole and every chunk after it was not.
A line that cannot be read, or that would make an incomplete record, is reported with its
number; the others are kept.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from callkeep.dialer import files, peers
from callkeep.errors import InvalidInput
from callkeep.kit.db import Database
from callkeep.ledger.inserts import collection_paused
from callkeep.phone.parse import try_normalize
from callkeep.records import service as records

CHUNK = 5_000
SHOWN_PROBLEMS = 1_000
_SLUG_OUT = re.compile(r"[^a-z0-9-]+")


class LineProblemOut(BaseModel):
    file: str
    line: int
    message: str


class ImportReport(BaseModel):
    """What an import did: every line is imported, a repeat, skipped (no call) or a problem."""

    files: list[str]
    lines: int = 0
    imported: int = 0
    repeats: int = 0
    skipped: int = 0
    problems: int = 0
    first_problems: list[LineProblemOut] = []
    timezone: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class ImportOptions:
    """What the files lack, given for all of their lines."""

    file_format: files.Format
    seller: str | None = None
    campaign: str | None = None
    telemarketer: str | None = None
    timezone: str | None = None
    column_map: files.ColumnMap | None = None


@dataclass(frozen=True)
class _Campaign:
    id: str | None
    subject: str | None
    prerecorded: bool | None
    caller_id_number: str | None
    caller_id_name: str | None


@dataclass
class _Context:
    seller_id: str
    campaign: _Campaign | None
    employee_id: str | None
    telemarketer_name: str | None
    by_dialer_campaign: dict[str, _Campaign | str]


def check_options(options: ImportOptions) -> None:
    """Refuses options that cannot work for any line (exit 2 / 422 before reading)."""
    if options.file_format not in files.FORMATS:
        raise InvalidInput.for_field(
            "format", f"{options.file_format!r}: one of {', '.join(files.FORMATS)}"
        )
    zone_of(options)
    if options.file_format == "csv" and options.column_map is None:
        raise InvalidInput.for_field("map", "a csv file needs --map FILE naming its columns")


def zone_of(options: ImportOptions) -> tzinfo | None:
    """The zone the file's local times are read in: `--timezone`, else (Asterisk and VICIdial
    write the server's local time) this machine's local time; a mapped CSV has none by default
    (a time without an offset is then reported)."""
    default = None if options.file_format == "csv" else files.SYSTEM_LOCAL
    return files.zone_named(options.timezone, default=default)


def _campaign_of(view: dict[str, Any]) -> _Campaign:
    return _Campaign(
        id=view["id"],
        subject=view.get("subject"),
        prerecorded=view.get("dialing_mode") == "prerecorded",
        caller_id_number=view.get("caller_id_number"),
        caller_id_name=view.get("caller_id_name"),
    )


def _context(db: Database, options: ImportOptions) -> _Context:
    with db.transaction(read_only=True) as session:
        directory = peers.parties(session=session)
        seller = directory.seller(options.seller)
        campaign = None
        if options.campaign:
            campaign = _campaign_of(directory.campaign(options.campaign, seller["id"]))
        employee_id = name = None
        if options.telemarketer and options.telemarketer.strip():
            wanted = options.telemarketer.strip()
            employee_id = peers.employee_id_for(session=session, ref=wanted)
            name = None if employee_id else wanted[:200]
        by_dialer: dict[str, _Campaign | str] = {}
        if campaign is None:
            for entry in directory.campaigns:
                if entry.seller_id == seller["id"]:
                    by_dialer[entry.slug] = _campaign_of(entry.view)
    return _Context(seller["id"], campaign, employee_id, name, by_dialer)


def _dialer_campaign(context: _Context, name: str) -> _Campaign:
    """The callkeep campaign a dialer's campaign id names (``HEAT_PUMPS`` → ``heat-pumps``)."""
    slug = _SLUG_OUT.sub("-", name.strip().lower().replace("_", "-")).strip("-")
    found = context.by_dialer_campaign.get(slug)
    if isinstance(found, _Campaign):
        return found
    raise ValueError(
        f"campaign {name!r} is not set up in callkeep: add it as {slug!r} "
        "(callkeep campaigns add) or give --campaign"
    )


def _call_in(read: files.FileCall, context: _Context, dialable: dict[str, bool]) -> records.CallIn:
    """The call record the line makes, completed from the campaign and the options."""
    return records.CallIn.model_validate(_call_values(read, context, dialable))


def _call_fields(
    read: files.FileCall, context: _Context, dialable: dict[str, bool]
) -> dict[str, Any]:
    """`_call_in(…).__dict__`, by plain checks where they say the same (most lines); raises
    pydantic's ValidationError as `_call_in` does."""
    values = _call_values(read, context, dialable)
    fields = records.plain_call_fields(values)
    if fields is None:
        return records.CallIn.model_validate(values).__dict__
    return fields


def _call_values(
    read: files.FileCall, context: _Context, dialable: dict[str, bool]
) -> dict[str, Any]:
    """The values of the line's call record (not yet validated)."""
    fields = dict(read.fields)
    dialer_campaign = fields.pop("dialer_campaign", None)
    mapped_campaign = fields.pop("campaign", None)
    campaign = context.campaign
    if campaign is None and (mapped_campaign or dialer_campaign):
        campaign = _dialer_campaign(context, str(mapped_campaign or dialer_campaign))

    def usable(number: str | None) -> bool:
        if not number:
            return False
        known = dialable.get(number)
        if known is None:
            known = dialable[number] = try_normalize(number) is not None
        return known

    caller_id = fields.get("caller_id_number")
    if not usable(caller_id):
        caller_id = campaign.caller_id_number if campaign else caller_id
    calling = fields.get("calling_number")
    if not usable(calling):
        calling = caller_id  # an extension or nothing: the line is the one the caller ID shows
    name = fields.pop("telemarketer", None) or fields.get("telemarketer_name")
    values: dict[str, Any] = {
        **fields,
        "subject": fields.get("subject") or (campaign.subject if campaign else None),
        "consumer_or_business": fields.get("consumer_or_business") or "consumer",
        "outbound": fields.get("outbound", True),
        "prerecorded": fields.get("prerecorded", campaign.prerecorded if campaign else None),
        "calling_number": calling,
        "caller_id_number": caller_id,
        "caller_id_name": fields.get("caller_id_name")
        or (campaign.caller_id_name if campaign else None),
        "employee_id": None if name else context.employee_id,
        "telemarketer_name": name or context.telemarketer_name,
        "external_call_id": read.external_id,
        "campaign": campaign.id if campaign else None,
    }
    return values


class _Tally:
    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def problem(self, source: str, line: int, message: str) -> None:
        self.report.problems += 1
        if len(self.report.first_problems) < SHOWN_PROBLEMS:
            self.report.first_problems.append(
                LineProblemOut(file=source, line=line, message=message)
            )


@dataclass(frozen=True)
class _Line:
    """A line read: a call (its external id, and the call as read or what checking it gave, a
    row or a problem), a skip, or a line that could not be read (its problem)."""

    line: int
    external_id: str | None = None  # a call's
    call: files.FileCall | dict[str, Any] | str | None = None  # as read, or its row or problem
    skipped: bool = False
    problem: str | None = None  # a line that could not be read


_Event = tuple[str, bool, list[_Line]]  # the file's name, its first chunk or not, the chunk


def _checker(context: _Context) -> Callable[[files.FileCall], dict[str, Any] | str]:
    """Checks a line's call as every call record is checked: its row, or its problem."""
    numbers: dict[str, str | None] = {}
    dialable: dict[str, bool] = {}

    def check(read: files.FileCall) -> dict[str, Any] | str:
        try:
            fields = _call_fields(read, context, dialable)
            return peers.checked_row(fields, (context.seller_id, fields["campaign"]), numbers)
        except ValueError as exc:  # includes pydantic's ValidationError
            return _validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
        except InvalidInput as exc:
            return exc.message

    return check


def _lines_of(
    sources: Iterable[tuple[str, IO[str]]],
    options: ImportOptions,
    check: Callable[[files.FileCall], dict[str, Any] | str] | None,
) -> Iterator[_Event]:
    """Each file's lines in chunks of `CHUNK`, its calls checked by `check` (or left for the
    writer to check, when None: a repeat then costs no check)."""
    zone = zone_of(options)
    for source, stream in sources:
        reads = files.read_calls(
            stream, file_format=options.file_format, zone=zone, column_map=options.column_map
        )
        chunk: list[_Line] = []
        first = True
        for read in reads:
            if isinstance(read, files.FileCall):
                call = read if check is None else check(read)
                chunk.append(_Line(read.line, read.external_id, call))
            elif isinstance(read, files.Skipped):
                chunk.append(_Line(read.line, skipped=True))
            else:
                chunk.append(_Line(read.line, problem=read.message))
            if len(chunk) >= CHUNK:
                yield source, first, chunk
                chunk, first = [], False
        yield source, first, chunk


def _read_apart(
    sources: Iterable[tuple[str, IO[str]]], options: ImportOptions, context: _Context
) -> Iterator[_Event]:
    """`_lines_of` with every call checked, in a process of its own, started now (forked, so it
    holds the open files and the campaign as they are here): its reading and checking of the
    next chunk overlap the writing of this one. What it cannot read (a file that is not of its
    format) is raised here, where the chunk was wanted; it is ended when the import ends,
    however."""
    fork = multiprocessing.get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    reader = fork.Process(
        target=_send_lines, args=(sending, sources, options, context), daemon=True
    )
    reader.start()
    sending.close()

    def received() -> Iterator[_Event]:
        try:
            while True:
                try:
                    kind, payload = receiving.recv()
                except EOFError:
                    raise RuntimeError("the reading of the file stopped before its end") from None
                if kind == "end":
                    return
                if kind == "error":
                    raise payload
                yield payload
        finally:
            receiving.close()
            if reader.is_alive():
                reader.kill()
            reader.join()

    return received()


def _send_lines(
    sending: Any, sources: Iterable[tuple[str, IO[str]]], options: ImportOptions, context: _Context
) -> None:
    """The reading process: every chunk, then the end, or the error that stopped it (never a
    traceback of its own: the writer raises the error, or says the reading stopped)."""
    try:
        for event in _lines_of(sources, options, _checker(context)):
            sending.send(("chunk", event))
        sending.send(("end", None))
    except KeyboardInterrupt:  # the writer's process is interrupted too, and says so
        pass
    except BaseException as exc:
        with contextlib.suppress(Exception):  # an error that cannot be sent: the pipe ends
            sending.send(("error", exc))
    finally:
        sending.close()


def _write(
    db: Database,
    actor: str,
    context: _Context,
    source: str,
    lines: list[_Line],
    tally: _Tally,
    check: Callable[[files.FileCall], dict[str, Any] | str],
) -> None:
    """Stores the chunk's new calls in one transaction; the ones already stored are repeats
    (found first, so that a file imported again costs a look-up a line, not a check)."""
    calls = [
        (line.external_id, line.line, line.call)
        for line in lines
        if line.external_id is not None and line.call is not None
    ]
    if not calls:
        return
    with db.transaction() as session, collection_paused(len(calls)):
        known = peers.recorded_external_ids(
            session=session, seller_id=context.seller_id, ids=[key for key, _, _ in calls]
        )
        fresh: list[dict[str, Any]] = []
        for key, number, call in calls:
            if key in known:
                tally.report.repeats += 1
                continue
            checked = check(call) if isinstance(call, files.FileCall) else call
            if isinstance(checked, str):
                tally.problem(source, number, checked)
                continue
            known.add(key)  # the same line twice in one file is one call
            fresh.append(checked)
        peers.store_calls(session=session, actor=actor, rows=fresh)
    tally.report.imported += len(fresh)


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
    )


@contextmanager
def opened(path: Path) -> Iterator[IO[str]]:
    """A dialer file as text: UTF-8 (a byte-order mark skipped, other bytes replaced), any
    line ending, nothing translated inside quotes."""
    try:
        handle = open(path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput.for_field("file", f"{path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def text_of(binary: IO[bytes]) -> IO[str]:
    """An uploaded file's bytes as text, read as `opened` reads a file."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")


def import_calls(
    *,
    db: Database,
    actor: str,
    sources: Iterable[tuple[str, IO[str]]],
    options: ImportOptions,
    read_apart: bool = False,
) -> ImportReport:
    """Imports each (name, text stream) in order; commits every chunk of `CHUNK` lines.

    With `read_apart` the files are read and their calls checked in a process of their own,
    beside the writing (the command line's import; a server does not fork), where the system
    can fork one.

    Raises InvalidInput for what makes the whole input unusable (options, a file that is not of
    its format); a line's problem is counted and reported instead.
    """
    started = time.perf_counter()
    check_options(options)
    context = _context(db, options)
    zone = zone_of(options)
    report = ImportReport(files=[], timezone=None if zone is None else str(zone))
    tally = _Tally(report)
    check = _checker(context)
    events = (
        _read_apart(sources, options, context)
        if read_apart and "fork" in multiprocessing.get_all_start_methods()
        else _lines_of(sources, options, None)
    )
    with db.checkpoints_in_background():  # after the fork: the reading process has no thread
        for source, first, lines in events:
            if first:
                report.files.append(source)
            for line in lines:
                report.lines += 1
                if line.skipped:
                    report.skipped += 1
                elif line.problem is not None:
                    tally.problem(source, line.line, line.problem)
            _write(db, actor, context, source, lines, tally, check)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def refuse_if_nothing_kept(report: ImportReport) -> None:
    """InvalidInput when every line was a problem: the input as a whole is bad."""
    if report.problems and not (report.imported or report.repeats or report.skipped):
        first = report.first_problems[0]
        raise InvalidInput(
            f"no call could be imported: all {report.problems} line(s) have problems "
            f"(the first: {first.file}:{first.line}: {first.message})"
        )
