"""The ledger's Merkle tree is RFC 6962's: the published test vectors, and every proof round trip."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callkeep.ledger import merkle

# Certificate Transparency's reference leaves and tree heads (RFC 6962 test data, as used by
# every CT implementation's suite): the tree over the first n leaves has root ROOTS[n].
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
]
CONSISTENCY = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1's MTH, written from its recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(
        b"\x01" + _reference_root(leaves[:k]) + _reference_root(leaves[k:])
    ).digest()


def test_roots_match_the_published_tree_heads() -> None:
    for n in range(len(LEAVES) + 1):
        assert merkle.root(LEAVES[:n]).hex() == ROOTS[n]
        frontier = merkle.Frontier()
        frontier.extend(LEAVES[:n])
        assert frontier.root().hex() == ROOTS[n]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_ones(index: int, size: int, proof: list[str]) -> None:
    assert [p.hex() for p in merkle.inclusion_proof(LEAVES[:size], index)] == proof
    assert merkle.verify_inclusion(
        leaf=LEAVES[index],
        index=index,
        size=size,
        proof=[bytes.fromhex(p) for p in proof],
        root_hash=bytes.fromhex(ROOTS[size]),
    )


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_ones(old: int, new: int, proof: list[str]) -> None:
    assert [p.hex() for p in merkle.consistency_proof(LEAVES[:new], old)] == proof
    assert merkle.verify_consistency(
        old_size=old,
        new_size=new,
        old_root=bytes.fromhex(ROOTS[old]),
        new_root=bytes.fromhex(ROOTS[new]),
        proof=[bytes.fromhex(p) for p in proof],
    )


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_every_proof_round_trips_and_a_changed_leaf_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    top = merkle.root(leaves)
    assert top == _reference_root(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(leaves, index)
    assert merkle.verify_inclusion(
        leaf=leaves[index], index=index, size=n, proof=proof, root_hash=top
    )
    assert not merkle.verify_inclusion(
        leaf=leaves[index] + b"x", index=index, size=n, proof=proof, root_hash=top
    )
    old = data.draw(st.integers(1, n))
    cproof = merkle.consistency_proof(leaves, old)
    old_root = merkle.root(leaves[:old])
    assert merkle.verify_consistency(
        old_size=old, new_size=n, old_root=old_root, new_root=top, proof=cproof
    )
    forged = _reference_root([*leaves[: old - 1], leaves[old - 1] + b"x"])
    assert not merkle.verify_consistency(
        old_size=old, new_size=n, old_root=forged, new_root=top, proof=cproof
    )


@given(st.integers(0, 300))
def test_a_frontier_survives_storage_and_keeps_appending(n: int) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(n + 3)]
    frontier = merkle.Frontier()
    frontier.extend(leaves[:n])
    restored = merkle.Frontier.from_hex(frontier.size, frontier.to_hex())
    restored.extend(leaves[n:])
    assert restored.root() == merkle.root(leaves)
