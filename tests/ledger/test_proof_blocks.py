"""Inclusion proofs from the tree cut into blocks are the plain function's, leaf by leaf."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callkeep.checks.models import Decision
from callkeep.kit.runtime import Runtime
from callkeep.ledger import merkle
from callkeep.ledger import service as ledger
from callkeep.ledger.models import LedgerEntry
from callkeep.ledger.proof_blocks import LedgerProofs
from callkeep.records import service as records
from callkeep.records.parties import sellers
from callkeep.records.parties.schemas import SellerIn

SIZES = (1, 2, 3, 5, 8, 13, 1029)


def _leaves(count: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(count)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("height", [0, 1, 2, 3, 10])
def test_a_proof_from_blocks_is_the_plain_proof_for_every_leaf(size: int, height: int) -> None:
    leaves = _leaves(size)
    blocks = [leaves[i : i + (1 << height)] for i in range(0, size, 1 << height)]
    top = merkle.levels_over_nodes([merkle.root(block) for block in blocks])
    assert top[-1] == [merkle.root(leaves)]
    plain = merkle.levels(leaves)  # what merkle.inclusion_proof builds for each call
    block_levels = [merkle.levels(block) for block in blocks]
    for index in range(size):
        block = block_levels[index >> height]
        assert merkle.inclusion_proof_in_blocks(block, top, height, index) == (
            merkle.inclusion_proof_from_levels(plain, index)
        ), index
    for index in {0, size // 2, size - 1}:  # and the plain function itself, from scratch
        assert merkle.inclusion_proof_in_blocks(
            block_levels[index >> height], top, height, index
        ) == merkle.inclusion_proof(leaves, index)


def _decisions(rt: Runtime, count: int) -> None:
    at = datetime(2026, 11, 2, 14, tzinfo=UTC)
    with rt.db.transaction() as s:
        seller = records.resolve_seller(session=s, ref=None)
    rows = [
        {
            "input": f"+1207555{i:04d}",
            "phone": f"+1207555{i:04d}",
            "seller_id": seller.id,
            "seller_slug": seller.slug,
            "campaign_id": None,
            "campaign_slug": None,
            "at": at,
            "allowed": True,
            "reasons": "[]",
            "states": "ME",
            "local_times": "[]",
            "lists": "[]",
            "exemptions": "",
            "rules_version": "test",
            "batch_id": None,
        }
        for i in range(count)
    ]
    with rt.db.transaction() as s:
        ledger.record_many(session=s, actor="t", model=Decision, rows=rows)


def test_the_ledgers_proofs_equal_the_plain_ones_as_it_grows(rt: Runtime, tmp_path: Path) -> None:
    """Read from the database, written to disk a block at a time, read back from the cache
    and from the file, for ledgers whose last block is full, nearly empty and in between."""
    with rt.db.transaction() as s:
        sellers.create_seller(
            session=s, actor="t", seller_in=SellerIn(name="Acme", slug="acme", is_default=True)
        )
        size = s.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    for target in SIZES:
        if target > size:
            _decisions(rt, target - size)
        with rt.db.transaction(read_only=True) as s:
            leaves = [
                bytes.fromhex(h)
                for h in s.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.seq))
            ]
            size = len(leaves)
            for height in (1, 2, 10):
                proofs = LedgerProofs(s, tmp_path / "levels", height=height)
                try:
                    assert (proofs.size, proofs.root) == (size, merkle.root(leaves))
                    plain = merkle.levels(leaves)
                    # backwards, so blocks leave the cache and are read again from the file
                    for index in [*range(size), *reversed(range(size))]:
                        expected = merkle.inclusion_proof_from_levels(plain, index)
                        assert proofs.proof_hex(index) == [p.hex() for p in expected], index
                    with pytest.raises(ValueError):
                        proofs.proof_hex(size)
                finally:
                    proofs.close()
                assert not (tmp_path / "levels").exists()
