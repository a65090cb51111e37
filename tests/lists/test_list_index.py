"""The index: snapshots plus composed deltas answer exactly what a plain set would."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callkeep.lists import index
from callkeep.lists.imports import _compose

# a few area codes, one of them busy enough to be stored as a dense bitmap
POOL = np.array(
    [2075550000 + i for i in range(40)] + [6035550000 + i for i in range(40)] + [8025550100],
    dtype=np.int64,
)
numbers_sets = st.sets(st.sampled_from(POOL.tolist()), max_size=30)


def snapshot_of(numbers: set[int], folder: Path, *, dense_extra: bool) -> index.Snapshot:
    state = index.ListState()
    state.add(np.array(sorted(numbers), dtype=np.int64))
    if dense_extra:
        # 3095550000.. fills area code 309 densely, so both storage kinds are exercised
        state.add(3090000000 + np.arange(2_000_000, 2_000_000 + index.DENSE_FROM, dtype=np.int64))
    path = folder / "base.snap"
    index.write_snapshot(state, path)
    return index.Snapshot(path)


@settings(max_examples=40, deadline=None)
@given(numbers_sets, st.lists(st.tuples(numbers_sets, numbers_sets), max_size=5), st.booleans())
def test_composed_deltas_answer_like_a_set(
    base: set[int], steps: list[tuple[set[int], set[int]]], dense_extra: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        snapshot = snapshot_of(base, Path(folder), dense_extra=dense_extra)
        model = set(base)
        net_added = np.zeros(0, np.int64)
        net_removed = np.zeros(0, np.int64)
        for adds, removes in steps:
            added = np.array(sorted(adds - model), dtype=np.int64)
            removed = np.array(sorted((removes - adds) & model), dtype=np.int64)
            model = (model - set(removed.tolist())) | set(added.tolist())
            net_added, net_removed = _compose(net_added, net_removed, added, removed)
            path = Path(folder) / "step.delta"
            index.write_delta(net_added, net_removed, path)
            version = index.VersionIndex(snapshot, *index.read_delta(path))
            assert version.contains(POOL).tolist() == [n in model for n in POOL.tolist()]
            state_numbers = set(version.state().difference(index.ListState()).tolist())
            assert {n for n in state_numbers if n < 3090000000 or n >= 3100000000} == model


def test_many_numbers_are_looked_up_with_the_sorted_path_exactly() -> None:
    rng = np.random.default_rng(7)
    on_list = np.unique(rng.integers(2_000_000_000, 2_100_000_000, 50_000))
    asked = np.concatenate([on_list[:40_000], rng.integers(2_000_000_000, 2_100_000_000, 60_000)])
    asked = np.concatenate([asked, np.array([-1, 0, 10**12], dtype=np.int64)])
    with tempfile.TemporaryDirectory() as folder:
        state = index.ListState()
        state.add(on_list)
        index.write_snapshot(state, Path(folder) / "s.snap")
        snapshot = index.Snapshot(Path(folder) / "s.snap")
        assert (snapshot.contains(asked) == np.isin(asked, on_list)).all()


def test_a_snapshot_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    state = index.ListState()
    state.add(np.array([2075550134], dtype=np.int64))
    index.write_snapshot(state, tmp_path / "v.snap")
    assert [p.name for p in tmp_path.iterdir()] == ["v.snap"]
    (tmp_path / "bad.snap").write_bytes(b"not a list file")
    try:
        index.Snapshot(tmp_path / "bad.snap")
    except ValueError as exc:
        assert "not a callkeep list file" in str(exc)
    else:
        raise AssertionError("a damaged snapshot must not load")


def test_a_large_delta_is_searched_through_its_filter_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    base = np.unique(rng.integers(2_070_000_000, 2_080_000_000, 200_000))
    state = index.ListState()
    state.add(base)
    index.write_snapshot(state, tmp_path / "b.snap")
    added = np.setdiff1d(np.unique(rng.integers(2_070_000_000, 2_080_000_000, 80_000)), base)
    removed = base[::3]
    version = index.VersionIndex(index.Snapshot(tmp_path / "b.snap"), added, removed)
    assert version._filter is not None
    asked = np.concatenate([base, added, rng.integers(2_070_000_000, 2_080_000_000, 100_000)])
    expected = np.isin(asked, np.union1d(np.setdiff1d(base, removed), added))
    assert (version.contains(asked) == expected).all()


def test_a_copied_state_shares_rows_until_one_side_writes(tmp_path: Path) -> None:
    original = index.ListState()
    original.add(np.array([2075550134, 6035550199], dtype=np.int64))
    twin = original.copy()
    twin.add(np.array([2075550135], dtype=np.int64))
    assert twin.remove(np.array([6035550199, 6035550100], dtype=np.int64)) == 1
    assert original.difference(index.ListState()).tolist() == [2075550134, 6035550199]
    assert twin.difference(index.ListState()).tolist() == [2075550134, 2075550135]
    index.write_snapshot(original, tmp_path / "o.snap")
    mapped = index.Snapshot(tmp_path / "o.snap").state()
    mapped.add(np.array([2075550136], dtype=np.int64))
    assert index.Snapshot(tmp_path / "o.snap").contains(np.array([2075550136])).tolist() == [False]
