"""RFC 6962 (Certificate Transparency) Merkle trees over the ledger entries' hashes.

The ledger's hash chain proves that no entry was changed *relative to the others*; a Merkle tree
hash kept outside the database (a signed checkpoint) proves that the whole history up to that
size is still there, unchanged. These functions are the tree's mathematics alone, with no
database: a leaf is the 32 bytes of an entry's hash, the tree over ``n`` leaves is RFC 6962 §2.1's
``MTH(D[n])``, and proofs are §2.1.1 (inclusion, "audit path") and §2.1.2 (consistency).
Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2, so a recipient can check a proof with any
RFC-conformant implementation, and `verify.py` in a production package repeats them with the
standard library alone.

`Frontier` keeps the roots of the complete subtrees of the tree so far (at most log2(n) + 1
hashes), so appending a leaf costs O(log n) and the root is known at any size without re-reading
the leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``: the hash of one leaf (RFC 6962 §2.1)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node (RFC 6962 §2.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree over ``leaves``, leaf hashes first and the root last.

    A node without a right sibling is carried up unchanged, which is exactly RFC 6962's
    left-balanced tree. Memory is about twice the leaf hashes (64 bytes a leaf).
    """
    return levels_over_nodes([leaf_hash(leaf) for leaf in leaves])


def levels_over_nodes(nodes: list[bytes]) -> list[list[bytes]]:
    """`levels` over nodes that are already hashed (e.g. the roots of equal-sized blocks of
    leaves): ``nodes`` first and their root last, an odd last node carried up unchanged."""
    level = nodes
    out = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
        level = nxt
    return out


def root(leaves: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` over the leaves (the hash of the empty string for no leaves)."""
    if not leaves:
        return EMPTY_ROOT
    return levels(leaves)[-1][0]


def inclusion_proof_from_levels(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in a tree built by `levels`, from the leaf upwards."""
    size = len(tree[0])
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def inclusion_proof_in_blocks(
    block: list[list[bytes]], top: list[list[bytes]], height: int, index: int
) -> list[bytes]:
    """The audit path of leaf ``index`` from two parts of the tree: ``block``, the `levels` of
    the leaves of its block (the 2**height leaves from ``index`` rounded down to a multiple of
    2**height, fewer for the last block), and ``top``, the `levels_over_nodes` of every block's
    root. It equals `inclusion_proof_from_levels` over the whole tree: below ``height`` the
    siblings are all within the block, above it they are other blocks' subtrees."""
    return [
        *inclusion_proof_from_levels(block, index & ((1 << height) - 1)),
        *inclusion_proof_from_levels(top, index >> height),
    ]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """``PATH(index, D[n])`` (RFC 6962 §2.1.1)."""
    return inclusion_proof_from_levels(levels(leaves), index)


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Whether ``proof`` shows ``leaf`` at ``index`` in the tree of ``size`` whose root is given.

    RFC 9162 §2.1.3.2, step by step.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def _subtree_root(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    return root(leaves[lo:hi])


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """``PROOF(m, D[n])``: that the tree of the first ``old_size`` leaves is a prefix of this one.

    RFC 6962 §2.1.2's SUBPROOF, recursive over the leaves.
    """
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"no consistency proof from size {old_size} to {n}")

    def subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        size = hi - lo
        if m == size:
            return [] if whole else [_subtree_root(leaves, lo, hi)]
        k = _split(size)
        if m <= k:
            return [*subproof(m, lo, lo + k, whole), _subtree_root(leaves, lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), _subtree_root(leaves, lo, lo + k)]

    return subproof(old_size, 0, n, True)


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree of ``old_size`` (``old_root``) is a prefix of the new one.

    RFC 9162 §2.1.4.2, step by step.
    """
    if old_size < 1 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass
class Frontier:
    """The roots of the complete subtrees over the leaves appended so far (a "compact range").

    ``nodes[i]`` is the root of a complete subtree of 2**i leaves where bit ``i`` of ``size`` is
    set (None where it is not). Appending is O(log n); `root` folds the nodes right to left.
    The state is small enough to store beside each checkpoint and to resume from.
    """

    size: int = 0
    nodes: list[bytes | None] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        """Adds one leaf (an entry's 32-byte hash) at the right edge."""
        carry = leaf_hash(leaf)
        height = 0
        while height < len(self.nodes) and self.nodes[height] is not None:
            left = self.nodes[height]
            assert left is not None
            carry = node_hash(left, carry)
            self.nodes[height] = None
            height += 1
        if height == len(self.nodes):
            self.nodes.append(carry)
        else:
            self.nodes[height] = carry
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Appends each leaf in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """``MTH`` of every leaf appended so far."""
        acc: bytes | None = None
        for node in self.nodes:
            if node is None:
                continue
            acc = node if acc is None else node_hash(node, acc)
        return EMPTY_ROOT if acc is None else acc

    def to_hex(self) -> list[str]:
        """The nodes as hex strings ('' for an empty place), for storage."""
        return [node.hex() if node else "" for node in self.nodes]

    @classmethod
    def from_hex(cls, size: int, nodes: Sequence[str]) -> Frontier:
        """The frontier stored by `to_hex` for a tree of ``size`` leaves."""
        restored = [bytes.fromhex(node) if node else None for node in nodes]
        if any((size >> i) & 1 != (node is not None) for i, node in enumerate(restored)) or (
            size >> len(restored)
        ):
            raise ValueError("the stored frontier does not match its size")
        return cls(size=size, nodes=restored)
