"""The compliance report and the production package over many calls, beside naive baselines.

    .venv/bin/python bench/report.py [--calls 1000000] [--naive 2000]

SQLite in a temporary folder. The world: one seller, one campaign dialed by hand, the national
registry (area code 207, 20,000 numbers), `--calls` calls over 22 weekdays, 09:00-17:00 in Maine,
each with the allowed decision a dialer would have got just before it (about 1 in 50 calls is
to a registered number and so a violation), dispositions with about 2% dropped. Figures:

* report: `reports.compliance.build` over the whole period, in a fresh interpreter over the
  seeded database (`--report-in-process`: in this one): wall and CPU seconds, calls/s wall and
  per CPU-second, that process's peak RSS beside the seeding's, and an extrapolation to 1 M
  calls at the same rate
  (marked as such; budget: 1 M calls <= 60 s and <= 500 MB); `--no-export` stops after the
  report's figures;
* naive report: what a first version would do, on the first `--naive` calls: every call loaded
  as an object, its amendments read one by one, re-decided by `checks.service.decide_one`
  (seller, campaign and context resolved afresh per call), its decision read by id;
* export: `reports.service.build` of the whole period (records/s, budget >= 20,000/s), then
  `verify.py` over the package;
* naive export: the version-1 way on the first `--naive` calls: each record's ledger history
  read one query per record, the whole package built in memory.

Not a test: it prints figures, it does not assert them. The machine is shared: say how loaded
it was when quoting them.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import worlds  # bench/, beside this script
from sqlalchemy import select

from callkeep.checks import service as checks_service
from callkeep.checks.models import Decision
from callkeep.checks.schemas import CheckIn
from callkeep.kit.clock import iso
from callkeep.kit.ids import new_ids
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints
from callkeep.ledger import service as ledger
from callkeep.records import amendments
from callkeep.records import models as m
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import CampaignIn
from callkeep.reports import compliance, package_verify
from callkeep.reports import service as packages
from callkeep.reports.schemas import ExportFilters

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in Maine
DAYS = 30
WORKDAYS = [d for d in range(DAYS + 12) if (T0 + timedelta(days=d)).weekday() < 5][:22]
REGISTERED = 20_000


def _number(rng: random.Random) -> int:
    """A valid Maine number: area code 207, an exchange from 200 to 999."""
    return 2_070_000_000 + rng.randrange(2_000_000, 10_000_000)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(folder: Path, count: int) -> Runtime:
    rt = worlds.fresh_runtime(folder)
    worlds.add_seller(rt, name="Androscoggin Home Energy", slug="energy")
    with rt.db.transaction() as session:
        campaign = sellers.create_campaign(
            session=session,
            actor="bench",
            campaign_in=CampaignIn.model_validate(
                {
                    "seller": "energy",
                    "slug": "heat",
                    "subject": "heat pumps",
                    "dialing_mode": "manual",
                }
            ),
        )
        seller_id = campaign.seller_id
        campaign_id = campaign.id
    rng = random.Random(7)
    registered = sorted({_number(rng) for _ in range(REGISTERED)})
    listed = folder / "national.txt"
    listed.write_text("".join(f"{n}\n" for n in registered))
    worlds.import_list(rt, listed, as_of=date(2026, 11, 1))
    seconds_a_day = 8 * 3600  # 09:00-17:00 Maine time, weekdays
    step = max(1, (len(WORKDAYS) * seconds_a_day) // max(count, 1))
    batch = 50_000
    made = 0
    while made < count:
        n = min(batch, count - made)
        decision_ids = new_ids(n)
        decisions: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        for k in range(n):
            i = made + k
            offset = i * step
            day = WORKDAYS[min(offset // seconds_a_day, len(WORKDAYS) - 1)]
            start = T0 + timedelta(days=day, seconds=offset % seconds_a_day)
            if rng.random() < 0.02:
                number = registered[rng.randrange(len(registered))]
            else:
                number = _number(rng)
            phone = f"+1{number}"
            decisions.append(
                {
                    "id": decision_ids[k],
                    "input": phone,
                    "phone": phone,
                    "seller_id": seller_id,
                    "seller_slug": "energy",
                    "campaign_id": campaign_id,
                    "campaign_slug": "heat",
                    "at": start - timedelta(seconds=5),
                    "allowed": True,
                    "reasons": "[]",
                    "states": "ME",
                    "local_times": "[]",
                    "lists": "[]",
                    "exemptions": "",
                    "rules_version": "bench",
                    "batch_id": None,
                }
            )
            roll = rng.random()
            disposition = (
                "dropped" if roll < 0.02 else "answered_person" if roll < 0.5 else "no_answer"
            )
            calls.append(
                {
                    "employee_id": None,
                    "telemarketer_name": "Claire",
                    "seller_id": seller_id,
                    "campaign_id": campaign_id,
                    "contact_id": None,
                    "subject": "heat pumps",
                    "consumer_or_business": "consumer",
                    "outbound": True,
                    "prerecorded": False,
                    "manual_dial": False,
                    "calling_number": "+12077840100",
                    "called_number": phone,
                    "started_at": start,
                    "duration_seconds": rng.randrange(600),
                    "script_version_id": None,
                    "message_version_id": None,
                    "caller_id_number": "+12077840100",
                    "caller_id_name": "ANDRO ENERGY",
                    "disposition": disposition,
                    "transfer_to": None,
                    "transfer_company": None,
                    "outcome": None,
                    "notes": None,
                    "recording_ref": None,
                    "decision_id": decision_ids[k],
                    "external_call_id": f"ext-{i}",
                    "idempotency_key": None,
                }
            )
        with rt.db.transaction() as session:
            ledger.record_many(session=session, actor="dialer", model=Decision, rows=decisions)
            ledger.record_many(session=session, actor="dialer", model=m.Call, rows=calls)
        made += n
    return rt


def period() -> dict[str, date]:
    return {"date_from": T0.date(), "date_to": (T0 + timedelta(days=DAYS + 1)).date()}


def bench_report(rt: Runtime) -> tuple[float, float, dict[str, Any]]:
    """The report over the whole period: (wall seconds, CPU seconds of this process, report)."""
    start, cpu = time.perf_counter(), time.process_time()
    with rt.db.transaction() as session:
        scope = compliance.period(session=session, seller=None, campaign=None, **period())
        found = compliance.build(session=session, actor="bench", scope=scope)
    return time.perf_counter() - start, time.process_time() - cpu, found


def report_child(data_dir: Path) -> None:
    """In a fresh interpreter over the seeded database: the report, its figures as one JSON
    line (what the parent prints beside this process's own peak RSS)."""
    import threading

    anon = [_status_mb("RssAnon")]
    done = threading.Event()

    def watch() -> None:  # the memory the program allocates, beside the file SQLite maps
        while not done.wait(0.05):
            anon[0] = max(anon[0], _status_mb("RssAnon"))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rt = worlds.fresh_runtime(data_dir)
    seconds, cpu, found = bench_report(rt)
    done.set()
    watcher.join()
    rt.db.dispose()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "calls": found["calls"],
                "violations": len(found["violations"]),
                "peak_mb": _status_mb("VmHWM"),
                "file_mb": _status_mb("RssFile"),
                "anon_mb": max(anon[0], _status_mb("RssAnon")),
            }
        )
    )


def _status_mb(name: str) -> float:
    """A figure of /proc/self/status (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_report_in_child(data_dir: Path) -> dict[str, Any]:
    """`report_child` in a new process, so that its peak RSS is the report's own (the seeding's
    memory stays in this one): its figures, its peak RSS (VmHWM: the high-water mark of the
    memory the new program maps; the kernel's `ru_maxrss` of a child starts from the parent's
    at exec, so it is not used), the highest of it that it allocated (RssAnon) and the part at
    the end that is files mapped (the database by SQLite's mmap, the libraries)."""
    out = subprocess.run(
        [sys.executable, __file__, "--report-child", str(data_dir)],
        stdout=subprocess.PIPE,
        check=True,
    ).stdout
    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


def bench_naive_report(rt: Runtime, limit: int) -> tuple[float, float]:
    """Per call: the ORM object, its amendments, a decision from scratch, its linked decision;
    (wall seconds, CPU seconds)."""
    start, cpu = time.perf_counter(), time.process_time()
    violations = 0
    with rt.db.transaction(read_only=True) as session:
        rows = list(session.scalars(select(m.Call).order_by(m.Call.started_at).limit(limit)))
        for call in rows:
            view = amendments.current(session=session, record=call)
            decision, _ = checks_service.decide_one(
                session=session,
                check_in=CheckIn(
                    phone=view["called_number"],
                    seller=view["seller_id"],
                    campaign=view["campaign_id"],
                    at=iso(view["started_at"]),
                ),
            )
            linked = session.get(Decision, view["decision_id"]) if view["decision_id"] else None
            violations += bool(decision.reasons) or linked is None or not linked.allowed
    return time.perf_counter() - start, time.process_time() - cpu


def print_report(calls: int, seconds: float, cpu: float, memory: str, violations: int) -> None:
    """The report's figures (`memory`: its peak RSS, said), and (for a smaller run) what they
    would be at 1 M calls at the same rate."""
    print(
        f"report: {calls:,} calls in {seconds:.1f} s wall, {cpu:.1f} s CPU = "
        f"{calls / seconds:,.0f} calls/s wall, {calls / cpu:,.0f} per CPU-second; "
        f"{violations:,} violations; {memory}"
    )
    if calls >= 1_000_000:
        return
    print(
        f"report, EXTRAPOLATED to 1,000,000 calls at this rate (not measured): "
        f"{1_000_000 / calls * cpu:.0f} s CPU, {1_000_000 / calls * seconds:.0f} s wall "
        f"(budget 60 s)"
    )


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_during(work: Any) -> tuple[Any, float]:
    """`work()`'s result and the highest RSS seen while it ran (sampled every 50 ms), in MB:
    the process's own peak is the setup's, not the export's."""
    import threading

    peak = [_rss_mb()]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = work()
    finally:
        done.set()
        watcher.join()
    return result, max(peak[0], _rss_mb())


def bench_export(rt: Runtime, folder: Path) -> dict[str, float]:
    """The production package of the whole period, then verify.py over it: wall and CPU
    seconds of each, the export's peak RSS, the package's size."""
    out = folder / "package.zip"

    def build() -> dict[str, Any]:
        with rt.db.transaction() as session:
            _, manifest = packages.build(
                session=session,
                actor="bench",
                filters=ExportFilters(**period()),
                out=out,
                signer=checkpoints.signer_for(rt.settings),
            )
        return manifest

    wall, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
    manifest, peak = _peak_during(build)
    built, built_cpu = time.perf_counter() - wall, time.process_time() - cpu
    built_own = time.thread_time() - own  # the export's own thread, without the deflate thread
    wall, cpu = time.perf_counter(), time.process_time()
    result = package_verify.verify(out)
    checked, checked_cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result["intact"], result["problems"][:5]
    return {
        "records": int(manifest["records"]),
        "built": built,
        "built_cpu": built_cpu,
        "built_own": built_own,
        "peak_mb": peak,
        "checked": checked,
        "checked_cpu": checked_cpu,
        "zip_mb": out.stat().st_size / 1e6,
    }


def bench_naive_export(rt: Runtime, limit: int) -> float:
    """Version 1's way: every record's ledger history read by its own query, all in memory."""
    import json

    from callkeep.kit.canonical import canonical_bytes

    start = time.process_time()
    with rt.db.transaction(read_only=True) as session:
        rows = list(session.scalars(select(m.Call).order_by(m.Call.started_at).limit(limit)))
        lines = []
        for call in rows:
            entries = ledger.history(session=session, entity_type="calls", entity_id=call.id)
            content = json.loads(canonical_bytes(call.ledger_content()))
            lines.append(json.dumps({"content": content, "seq": entries[-1].seq}).encode())
        b"\n".join(lines)
    return time.process_time() - start  # CPU seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=2_000)
    parser.add_argument("--no-export", action="store_true", help="the report's figures only")
    parser.add_argument(
        "--report-in-process",
        action="store_true",
        help="run the report in this process (its peak RSS then includes the seeding's)",
    )
    parser.add_argument("--report-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report_child:
        report_child(args.report_child)
        return
    with tempfile.TemporaryDirectory(prefix="callkeep-bench-report-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        rt = setup(folder / "data", args.calls)
        print(f"setup: {args.calls:,} calls and decisions in {time.perf_counter() - t:.1f} s")
        seeded = peak_rss_mb()
        if args.report_in_process:
            seconds, cpu, found = bench_report(rt)
            calls, violations = found["calls"], len(found["violations"])
            memory = (
                f"this process's peak RSS {peak_rss_mb():.0f} MB (before the report {seeded:.0f})"
            )
        else:
            child = bench_report_in_child(folder / "data")
            seconds, cpu = child["seconds"], child["cpu"]
            calls, violations = child["calls"], child["violations"]
            memory = (
                f"the report's process's peak RSS {child['peak_mb']:.0f} MB (budget 500 MB), "
                f"of it allocated (RssAnon, sampled every 50 ms) at most {child['anon_mb']:.0f} "
                f"MB, the rest files mapped (the database, which SQLite maps, and the "
                f"libraries: {child['file_mb']:.0f} MB at the end); the seeding's process "
                f"{seeded:.0f} MB"
            )
        print_report(calls, seconds, cpu, memory, violations)
        naive, naive_cpu = bench_naive_report(rt, args.naive)
        print(
            f"naive report: {args.naive:,} calls in {naive:.1f} s wall, {naive_cpu:.1f} s CPU = "
            f"{args.naive / naive:,.0f} calls/s wall, {args.naive / naive_cpu:,.0f} per CPU-second "
            f"(report/naive per CPU-second: {calls / cpu / (args.naive / naive_cpu):.1f}x)"
        )
        if args.no_export:
            rt.db.dispose()
            return
        naive_export = bench_naive_export(rt, args.naive)
        naive_rate = args.naive / naive_export
        e = bench_export(rt, folder)
        records = e["records"]
        print(
            f"export: {records:,} records in {e['built']:.1f} s wall = "
            f"{records / e['built']:,.0f} records/s; {e['built_cpu']:.1f} CPU-s = "
            f"{records / e['built_cpu']:,.0f} records/CPU-s, of which its own thread "
            f"{e['built_own']:.1f} CPU-s = {records / e['built_own']:,.0f} records/CPU-s "
            f"(budget >= 20,000/s); "
            f"peak RSS during it {e['peak_mb']:.0f} MB; zip {e['zip_mb']:.0f} MB"
        )
        print(
            f"naive export: {args.naive:,} calls in {naive_export:.2f} CPU-s = "
            f"{naive_rate:,.0f} records/CPU-s (export/naive: "
            f"{records / e['built_cpu'] / naive_rate:.1f}x per CPU-second)"
        )
        print(
            f"verify.py: {e['checked']:.1f} s wall = {records / e['checked']:,.0f} records/s; "
            f"{e['checked_cpu']:.1f} CPU-s = {records / e['checked_cpu']:,.0f} records/CPU-s"
        )
        rt.db.dispose()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
