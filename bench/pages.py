"""The staff app's pages over a year of calls, against the same figures computed naively.

    .venv/bin/python bench/pages.py [--calls 1000000] [--rounds 20] [--dir /tmp/ckpages]
    .venv/bin/python bench/pages.py --postgres postgresql+psycopg://127.0.0.1:5432/postgres

SQLite in a temporary folder, or a scratch database on the PostgreSQL server named. The calls (spread over the last 365 days, three campaigns, four
area codes, six dispositions) are written through `records.calls.record_calls`, the bulk path
with its ledger entries. Then each page is requested `--rounds` times in the same process
through the whole application (session cookie, middleware, templates; Starlette's test client,
no network), and p50/p95 are printed per page: the dashboard (30 days, and the whole year), each
chart's SVG over the year, the calls list (first page, page 1,001 of the year by offset and
by the next link's position), an agent's calls list (the calls to the numbers of the 40
contacts they work: first page, the year, the next link), trends over 90 days, and the other
list pages. Budget: p95 <= 300 ms a page.

Baselines, in the same run: the dashboard's call figures (calls a day by disposition,
abandonment per campaign, answer rate by local hour) computed naively, by reading every call
of the period into Python and counting there; page 1,001 of the calls as COUNT(*) and OFFSET;
the trends' outcomes grouped from the calls themselves (no roll-up); the agent's calls as every
call of the period read into Python and held to the agent's numbers there. Each page's p95 is
printed beside its baseline's p95 and their ratio (`-` where a page has no naive form: its
query is already one indexed read). `cpu ms` is this process's CPU time per request (the
application's own work: on PostgreSQL the server's is not in it).

Not a test: it prints figures, it does not assert them.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import worlds
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callkeep.app import create_app
from callkeep.auth import service as auth_service
from callkeep.auth import sessions
from callkeep.kit.db import Base
from callkeep.kit.runtime import Runtime
from callkeep.phone import geo
from callkeep.records import models as m
from callkeep.records import trends
from callkeep.records.calls import service as calls
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, ContactIn
from callkeep.records.schemas import CallIn

DISPOSITIONS = [
    "answered_person",
    "answering_machine",
    "no_answer",
    "busy",
    "dropped",
    "transferred",
]
CAMPAIGNS = ("heat", "windows", "audits")
AREAS = (207, 617, 802, 603)
AGENT_CONTACTS = 40


def random_number(rng: random.Random) -> str:
    return f"+1{rng.choice(AREAS)}784{rng.randint(1000, 9999)}"


def populate(rt: Runtime, count: int, *, batch: int = 20_000) -> float:
    """`count` calls over the last 365 days through the bulk path; returns the seconds taken."""
    with rt.db.transaction() as session:
        for slug in CAMPAIGNS:
            sellers.create_campaign(
                session=session,
                actor="bench",
                campaign_in=CampaignIn.model_validate(
                    {"seller": "energy", "slug": slug, "subject": slug, "dialing_mode": "manual"}
                ),
            )
    rng = random.Random(1)
    now = datetime.now(UTC).replace(microsecond=0)
    span = 365 * 86_400
    started = time.perf_counter()
    done = 0
    while done < count:
        size = min(batch, count - done)
        chunk = []
        for i in range(done, done + size):
            disposition = rng.choices(DISPOSITIONS, (30, 25, 25, 10, 2, 8))[0]
            chunk.append(
                CallIn.model_validate(
                    {
                        "telemarketer_name": rng.choice(("Claire", "Marc", "Renee", "Sam")),
                        "seller": "energy",
                        "campaign": rng.choice(CAMPAIGNS),
                        "subject": "heat pumps",
                        "consumer_or_business": "consumer",
                        "outbound": True,
                        "prerecorded": False,
                        "calling_number": "+12077840100",
                        "called_number": random_number(rng),
                        "started_at": (now - timedelta(seconds=rng.randrange(span))).isoformat(),
                        "duration_seconds": rng.randint(0, 600),
                        "caller_id_number": "+12077840100",
                        "disposition": disposition,
                        "transfer_to": "sales desk" if disposition == "transferred" else None,
                        "outcome": rng.choice(("sale", "callback", "no sale", None)),
                        "external_call_id": f"bench-{i}",
                    }
                )
            )
        with rt.db.transaction() as session:
            calls.record_calls(session=session, actor="bench", calls=chunk)
        done += size
        print(f"\r  {done:,} calls written", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - started


def add_agent(rt: Runtime, username: str) -> set[str]:
    """An agent who recorded `AGENT_CONTACTS` contacts (numbers the calls were made to);
    returns their numbers."""
    rng = random.Random(7)
    numbers: set[str] = set()
    while len(numbers) < AGENT_CONTACTS:
        numbers.add(random_number(rng))
    with rt.db.transaction() as session:
        for i, number in enumerate(sorted(numbers)):
            people.create_contact(
                session=session,
                actor=f"user:{username}",
                contact_in=ContactIn.model_validate({"names": [f"Person {i}"], "phones": [number]}),
            )
    return numbers


def timed(
    fn: Callable[[], object], rounds: int, budget: float = 20.0
) -> tuple[float, float, int, float]:
    """p50 and p95 in milliseconds over `rounds` calls (after one warm-up), or over as many as
    fit in `budget` seconds (at least 3); how many were made; and the median CPU milliseconds
    of this process per call."""
    fn()
    samples: list[float] = []
    cpu: list[float] = []
    ends = time.perf_counter() + budget
    while len(samples) < rounds and (len(samples) < 3 or time.perf_counter() < ends):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, len(samples), statistics.median(cpu)


def naive_figures(rt: Runtime, since: datetime, until: datetime) -> int:
    """The dashboard's call figures by reading every call of the period into Python."""
    with rt.db.transaction(read_only=True) as session:
        rows = session.execute(
            select(
                m.Call.started_at, m.Call.disposition, m.Call.campaign_id, m.Call.called_number
            ).where(m.Call.started_at >= since, m.Call.started_at < until)
        ).all()
    by_day: Counter[tuple[object, object]] = Counter()
    abandoned: Counter[object] = Counter()
    answered: Counter[object] = Counter()
    hours: Counter[int] = Counter()
    zones: dict[str, ZoneInfo] = {}
    for started, disposition, campaign, number in rows:
        by_day[(started.date(), disposition)] += 1
        if disposition in ("dropped", "answered_person", "transferred"):
            answered[campaign] += 1
        if disposition == "dropped":
            abandoned[campaign] += 1
        area = number[2:5]
        if area not in zones:
            info = geo.area_code_info(int(area))
            zones[area] = ZoneInfo(info.zones[0] if info and info.zones else "UTC")
        hours[started.astimezone(zones[area]).hour] += 1
    return len(rows)


def naive_call_page(rt: Runtime, since: datetime, until: datetime, offset: int) -> int:
    """Page `offset // 50 + 1` of the calls as a plain COUNT(*) and OFFSET over the index."""
    period = (m.Call.started_at >= since, m.Call.started_at < until)
    with rt.db.transaction(read_only=True) as session:
        total = session.scalar(select(func.count()).select_from(m.Call).where(*period)) or 0
        rows = session.scalars(
            select(m.Call)
            .where(*period)
            .order_by(m.Call.started_at.desc(), m.Call.id.desc())
            .offset(offset)
            .limit(50)
        ).all()
    return int(total) + len(rows)


def naive_agent_calls(rt: Runtime, since: datetime, until: datetime, numbers: set[str]) -> int:
    """The agent's first page of calls and their total: every call of the period read, held
    to the agent's numbers and ordered in Python."""
    with rt.db.transaction(read_only=True) as session:
        rows = session.execute(
            select(m.Call.started_at, m.Call.id, m.Call.called_number).where(
                m.Call.started_at >= since, m.Call.started_at < until
            )
        ).all()
    theirs = sorted(((r[0], r[1]) for r in rows if r[2] in numbers), reverse=True)
    with rt.db.transaction(read_only=True) as session:
        page = session.scalars(select(m.Call).where(m.Call.id.in_([i for _, i in theirs[:50]])))
        return len(theirs) + len(list(page))


def naive_outcomes(rt: Runtime, since: datetime, until: datetime) -> int:
    """The trends' outcomes by campaign and agent, grouped from the calls (no roll-up)."""
    with rt.db.transaction(read_only=True) as session:
        where = trends.CallFilter(since=since, until=until)
        return len(trends._outcomes_live(session, where))


def deep_cursor(client: TestClient, path: str) -> str:
    """The position page 1,001 starts after, as the previous page's next link carries it."""
    page = client.get(path).text
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    assert found, "no next link"
    return html.unescape(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: scratch DB there")
    parser.add_argument(
        "--reuse", type=Path, default=None, help="the data folder of an earlier run: no new calls"
    )
    args = parser.parse_args()
    if args.postgres:
        with worlds.scratch_postgres(args.postgres) as url:
            run(args, url)
    else:
        run(args, "")


def run(args: argparse.Namespace, database_url: str) -> None:
    """Writes the calls (or reuses them), then times every page and the baselines."""
    if args.reuse is None:
        folder = Path(tempfile.mkdtemp(prefix="ckpages-", dir=args.dir))
        rt = worlds.fresh_runtime(folder / "data", database_url)
        print(f"engine: {rt.db.engine.dialect.name}")
        worlds.add_seller(rt, name="Androscoggin Home Energy", slug="energy")
        seconds = populate(rt, args.calls)
        print(f"{args.calls:,} calls written in {seconds:.1f} s ({args.calls / seconds:,.0f}/s)")
    else:
        rt = worlds.fresh_runtime(args.reuse)
        Base.metadata.create_all(rt.db.engine)  # tables added since that run
        for table in Base.metadata.sorted_tables:  # and indexes (create_all skips a table held)
            for index in table.indexes:
                index.create(rt.db.engine, checkfirst=True)
        with rt.db.transaction(read_only=True) as session:
            held = session.scalar(select(func.count()).select_from(m.Call))
        print(f"reusing {args.reuse}: {held:,} calls")
    agent = f"bench-agent-{os.getpid()}"
    with rt.db.transaction() as session:
        secrets = {}
        for name, role in ((f"bench-{os.getpid()}", "admin"), (agent, "agent")):
            user = auth_service.create_user(
                session=session,
                actor="bench",
                username=name,
                role=role,
                password="bench password 1",
            )
            secrets[role] = sessions.start(session=session, user_id=user.id)
    numbers = add_agent(rt, agent)
    today = datetime.now(UTC).date()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    with rt.db.transaction(read_only=True) as session:
        held = int(session.scalar(select(func.count()).select_from(m.Call)) or 0)
    deep = min(50 * 1000, held // 100 * 50)  # page 1,001, or the middle of fewer calls
    deep_page = f"page {deep // 50 + 1}"
    with TestClient(create_app(runtime=rt)) as client:
        client.cookies.set(sessions.COOKIE, secrets["admin"])
        cursor = deep_cursor(client, f"/calls?{year}&offset={deep - 50}")
        client.cookies.set(sessions.COOKIE, secrets["agent"])
        # the agent's page 2 (their first page again when they have fewer than 51 calls)
        theirs = re.search(r'<a href="([^"]+)" rel="next">', client.get(f"/calls?{year}").text)
        agent_cursor = html.unescape(theirs.group(1)) if theirs else f"/calls?{year}"
    now = datetime.now(UTC)
    baselines = naive_baselines(rt, args.rounds, now, deep, numbers)
    pages = [  # (label, path, the baseline it is set beside, who asks)
        ("dashboard, 30 days", "/", "figures, 30 days", "admin"),
        ("dashboard, 365 days", f"/?{year}", "figures, 365 days", "admin"),
        ("chart calls.svg, 30 days", "/dashboard/charts/calls.svg", "figures, 30 days", "admin"),
        *[
            (f"chart {n}.svg, 365 days", f"/dashboard/charts/{n}.svg?{year}", "", "admin")
            for n in ("calls", "checks", "dnc", "registry", "abandonment", "hours")
        ],
        ("calls, first page", "/calls", "", "admin"),
        (f"calls, 365 days, {deep_page}", f"/calls?{year}&offset={deep}", "OFFSET", "admin"),
        (f"calls, {deep_page} by its next link", cursor, "OFFSET", "admin"),
        ("calls, a number's calls", "/calls?phone=207-784-1234&" + year, "", "admin"),
        ("agent's calls, first page", "/calls", "agent, 30 days", "agent"),
        ("agent's calls, 365 days", f"/calls?{year}", "agent, 365 days", "agent"),
        ("agent's calls, page 2 by next link", agent_cursor, "agent, 365 days", "agent"),
        ("trends, 90 days", "/trends", "outcomes, 90 days", "admin"),
        ("trends, 365 days", f"/trends?{year}", "", "admin"),
        ("contacts, search", "/contacts?q=Jane", "", "admin"),
        ("campaigns", "/campaigns", "", "admin"),
        ("lists", "/lists", "", "admin"),
        ("scrubs", "/scrubs", "", "admin"),
        ("dnc-requests", "/dnc-requests", "", "admin"),
        ("dnc-requests, deep offset", "/dnc-requests?offset=50000", "", "admin"),
        ("access-log", "/access-log", "", "admin"),
        ("access-log, deep offset", "/access-log?offset=50000", "", "admin"),
        ("users", "/users", "", "admin"),
        ("tokens", "/tokens", "", "admin"),
    ]
    with TestClient(create_app(runtime=rt)) as client:
        client.cookies.set(sessions.COOKIE, secrets["admin"])
        for label, path in (("first", "/?" + year), ("again", "/?" + year)):
            start = time.perf_counter()
            client.get(path)
            print(
                f"dashboard over 365 days, {label} view (counts the days not yet counted): "
                f"{time.perf_counter() - start:.1f} s"
            )
        print(
            f"\n{'page':36} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'runs':>5}"
            f" {'naive p95':>10} {'ratio':>6}  baseline   (budget p95 <= 300 ms)"
        )
        for label, path, against, who in pages:
            client.cookies.set(sessions.COOKIE, secrets[who])

            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            p50, p95, runs, cpu = timed(get, args.rounds)
            naive = baselines.get(against)
            beside = f"{naive:10.1f} {naive / p95:5.1f}x  {against}" if naive else f"{'-':>10}"
            print(f"{label:36} {p50:8.1f} {p95:8.1f} {cpu:7.1f} {runs:5} {beside}")
    rt.db.dispose()


def naive_baselines(
    rt: Runtime, rounds: int, now: datetime, deep: int, numbers: set[str]
) -> dict[str, float]:
    """Each baseline's p95 (ms), printed as it is measured."""
    found: dict[str, float] = {}
    print(f"\n{'baseline':36} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'runs':>5}")

    def measure(label: str, fn: Callable[[], int]) -> None:
        rows = fn()
        p50, p95, runs, cpu = timed(fn, rounds)
        found[label] = p95
        print(f"{'naive ' + label:36} {p50:8.1f} {p95:8.1f} {cpu:7.1f} {runs:5}   ({rows:,} rows)")

    for days in (30, 365):
        since = now - timedelta(days=days)
        measure(f"figures, {days} days", lambda since=since: naive_figures(rt, since, now))
        measure(
            f"agent, {days} days",
            lambda since=since: naive_agent_calls(rt, since, now, numbers),
        )
    year_start = now - timedelta(days=365)
    measure("OFFSET", lambda: naive_call_page(rt, year_start, now, deep))
    quarter = now - timedelta(days=90)
    measure("outcomes, 90 days", lambda: naive_outcomes(rt, quarter, now))
    return found


if __name__ == "__main__":
    main()
