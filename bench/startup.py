"""How long the installed `callkeep` takes to start, as whole processes, beside bare Python.

    .venv/bin/python bench/startup.py [--runs 11] [--data-dir /tmp/ck-startup]

Times (median and best of N runs, wall clock, each a new process):

- `python -c pass`: the floor any Python command pays (the baseline, same interpreter);
- `python -c "import sqlalchemy.orm"`: what any command that opens the database pays at least;
- `callkeep --help` (budget 0.3 s) and `callkeep --version`;
- `callkeep check 207-555-0123 --at …` (budget 0.6 s) on a data folder migrated beforehand, so
  the figure is a day-to-day check, not the first start;
- `callkeep scrub` of a 2-row lead file: a scrub's fixed cost (what a whole `callkeep scrub`
  process pays beside its rows; `bench/scrub.py` times the rows).

The data folder holds a national list (imported beforehand), so the check and the scrub read the
list's index as a real one would.

Each figure is printed beside the baseline and the budget, with the CPU time (user + sys) of
each process and that CPU time as a multiple of `import sqlalchemy.orm`'s ("x orm"), the
steadier figures on a busy machine. Run it on a quiet machine for figures
to quote; on a loaded one the baseline rises too, and the difference says more than the total.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = Path(sys.executable)
CALLKEEP = PYTHON.parent / "callkeep"
AT = "2026-12-02T15:00:00Z"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """Wall and CPU seconds of each of `runs` runs of `args` (exit codes 0-1 are answers, not
    errors). On a shared machine the CPU figure says what the command costs, the wall figure
    what the machine gave it."""
    found = []
    for _ in range(runs):
        start, cpu = time.perf_counter(), children_cpu()
        done = subprocess.run(args, env=env, capture_output=True, check=False)
        found.append((time.perf_counter() - start, children_cpu() - cpu))
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--data-dir", type=Path, default=None)
    options = parser.parse_args()
    folder = options.data_dir or Path(tempfile.mkdtemp(prefix="ck-startup-"))
    env = {**os.environ, "CALLKEEP_DATA_DIR": str(folder), "COLUMNS": "80"}
    env.pop("CALLKEEP_DATABASE_URL", None)
    # first start (migrations, key, default seller) and the command index, outside the timing
    timed([str(CALLKEEP), "db", "upgrade"], env, 1)
    timed([str(CALLKEEP), "--help"], env, 1)
    national, leads, out = folder / "national.txt", folder / "leads.csv", folder / "scrubbed.csv"
    national.write_text("2075550199\n2075550198\n")
    leads.write_text("name,phone\nAda,207-555-0123\nBob,207-555-0199\n")
    imported = [str(CALLKEEP), "lists", "import", str(national), "--list", "national"]
    timed([*imported, "--san", "SAN123", "--area-codes", "207"], env, 1)
    scrub = [str(CALLKEEP), "scrub", str(leads), "--out", str(out), "--at", AT]

    cases = [
        ("python -c pass (baseline)", [str(PYTHON), "-c", "pass"], None),
        ("python -c 'import sqlalchemy.orm'", [str(PYTHON), "-c", "import sqlalchemy.orm"], None),
        ("callkeep --version", [str(CALLKEEP), "--version"], None),
        ("callkeep --help", [str(CALLKEEP), "--help"], 0.3),
        ("callkeep check PHONE --at T", [str(CALLKEEP), "check", "207-555-0123", "--at", AT], 0.6),
        ("callkeep scrub (2 rows)", scrub, None),
    ]
    print(f"{options.runs} runs each, data folder {folder}, load average {os.getloadavg()[0]:.2f}")
    print(
        f"{'command':<36} {'median':>8} {'best':>8} {'- baseline':>11} {'CPU':>8} "
        f"{'x orm':>6} {'budget':>8}  wall / CPU"
    )
    baseline = orm_cpu = None
    for name, args, budget in cases:
        runs = timed(args, env, options.runs)
        median, best = statistics.median(w for w, _ in runs), min(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        baseline = median if baseline is None else baseline
        if orm_cpu is None and "sqlalchemy" in name:
            orm_cpu = cpu
        # CPU as a multiple of importing sqlalchemy.orm's: steadier than seconds on a busy machine
        ratio = f"{cpu / orm_cpu:>6.2f}" if orm_cpu else f"{'-':>6}"
        verdict = (
            ""
            if budget is None
            else (f"{'ok' if median <= budget else 'OVER'} / {'ok' if cpu <= budget else 'OVER'}")
        )
        shown = f"{budget:.2f} s" if budget is not None else "-"
        print(
            f"{name:<36} {median:>6.3f} s {best:>6.3f} s {median - baseline:>9.3f} s "
            f"{cpu:>6.3f} s {ratio} {shown:>8}  {verdict}"
        )


if __name__ == "__main__":
    main()
