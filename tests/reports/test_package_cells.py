"""The package's fast roads give the plain ones' bytes: CSV cells a column at a time are
`csvsafe.cell` value by value, contents are `canonical_bytes`, and verify.py's inclusion check
answers as RFC 9162's step-by-step one does, record after record."""

from __future__ import annotations

import csv
import hashlib
import io
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.kit.canonical import canonical_bytes
from callkeep.kit.clock import iso
from callkeep.ledger import merkle
from callkeep.reports import csvsafe, package_verify
from callkeep.reports.package_cells import cell_text, cells_and_contents

_TEXT = st.text(
    alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "a", "1", ",", '"', "\n", "é"])
)
_UTC = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)
_OTHER_TIMES = st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.sampled_from([None, timezone(timedelta(hours=-5)), timezone(timedelta(0))]),
)
_KINDS = {
    "text": _TEXT,
    "int": st.integers(min_value=-(2**70), max_value=2**70),
    "bool": st.booleans(),
    "utc": _UTC,
    "times": _UTC | _OTHER_TIMES,
    "date": st.dates(),
    "mixed": _TEXT | st.integers() | st.booleans() | _UTC,
}


@st.composite
def _chunks(draw: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    kinds = draw(st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=6))
    count = draw(st.integers(min_value=1, max_value=12))
    rows = [tuple(draw(st.none() | _KINDS[kind]) for kind in kinds) for _ in range(count)]
    return [f"c{i}" for i in range(len(kinds))], rows


def _csv(rows: list[Any]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(_chunks())
def test_a_chunk_is_written_as_value_by_value(
    chunk: tuple[list[str], list[tuple[Any, ...]]],
) -> None:
    names, rows = chunk
    cells, contents = cells_and_contents(names, rows)
    assert _csv(cells) == _csv([[cell_text(v) for v in row] for row in rows])
    assert contents == [canonical_bytes(dict(zip(names, row, strict=True))) for row in rows]


def test_cell_text_is_csvsafe_with_instants_as_iso() -> None:
    moment = datetime(2026, 11, 2, 14, 0, 5, 123, tzinfo=UTC)
    assert cell_text(moment) == iso(moment) == "2026-11-02T14:00:05Z"
    assert cell_text(date(2026, 11, 2)) == "2026-11-02"
    for value in ("=SUM(A1)", "+12075550123", "-3", -3, "@x", "\tx", "\rx", True, None, "plain"):
        assert cell_text(value) == csvsafe.cell(value)
    # a whole column of numbers in E.164 is guarded, not passed through
    cells, _ = cells_and_contents(["n"], [("+12075550123",), (None,), ("plain",)])
    assert [c[0] for c in cells] == ["'+12075550123", "", "plain"]


def _tree(size: int) -> tuple[list[bytes], list[list[bytes]]]:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(size)]
    return leaves, merkle.levels(leaves)


def _mutations(proof: list[bytes], rng: random.Random, other: list[bytes]) -> list[list[bytes]]:
    out = [proof, other, [*proof, proof[0] if proof else b"\x00" * 32], proof[:-1]]
    if proof:
        k = rng.randrange(len(proof))
        flipped = bytes([proof[k][0] ^ 1]) + proof[k][1:]
        out.append([*proof[:k], flipped, *proof[k + 1 :]])
        out.append(list(reversed(proof)))
    return out


def test_the_remembering_inclusion_check_answers_as_the_step_by_step_one() -> None:
    """In the ledger's order and shuffled, with each proof honest, another leaf's, too long,
    too short, with one byte flipped or reversed: every answer is `merkle.verify_inclusion`'s,
    RFC 9162's step-by-step check."""
    rng = random.Random(14)
    for size in (1, 2, 3, 5, 8, 13, 100, 1029):
        leaves, levels = _tree(size)
        root = levels[-1][0]
        proofs = [merkle.inclusion_proof_from_levels(levels, i) for i in range(size)]
        orders = [list(range(size)), rng.sample(range(size), size)]
        for order in orders:
            tree = package_verify.Tree(size, root)
            answers = {True: 0, False: 0}
            for index in order:
                other = proofs[(index + 1) % size]
                cases = _mutations(proofs[index], rng, other)
                rng.shuffle(cases)
                # the altered ones first, while the last proven leaf is the one before
                for proof in [*cases, proofs[index]]:
                    for leaf, at in ((leaves[index], index), (leaves[index], index + 1)):
                        expected = merkle.verify_inclusion(
                            leaf=leaf, index=at, size=size, proof=proof, root_hash=root
                        )
                        assert tree.includes(leaf, at, proof) is expected, (size, index)
                        answers[expected] += 1
            assert answers[True] and answers[False]
