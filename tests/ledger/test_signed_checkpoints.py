"""Signed checkpoints pin the ledger: each attack an operator with database access could make on
history (truncate, delete, rewrite, re-chain with callkeep's own hash function) is found given an
earlier checkpoint, and no checkpoint is accepted that this installation's key did not sign."""

from __future__ import annotations

import base64
import hashlib
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from callkeep.auth import service as auth_service
from callkeep.auth.models import ApiToken
from callkeep.errors import CallkeepError, InvalidInput
from callkeep.kit.canonical import digest
from callkeep.kit.runtime import Runtime
from callkeep.ledger import checkpoints, merkle, notes
from callkeep.ledger import service as ledger
from callkeep.ledger.checkpoints import Presented
from callkeep.ledger.models import LedgerEntry
from callkeep.ledger.schemas import VerifyReport

# golang.org/x/mod/sumdb/note's documented example: the reference implementation's key and note.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def _tokens(rt: Runtime, count: int, prefix: str = "t") -> list[str]:
    with rt.db.transaction() as s:
        return [
            auth_service.create_token(session=s, actor="alice", name=f"{prefix}{i}", role="agent")[
                0
            ].id
            for i in range(count)
        ]


def _prove(rt: Runtime, *notes_text: str) -> VerifyReport:
    presented = [
        Presented(source=f"cp{i}", note=notes.parse_note(t)) for i, t in enumerate(notes_text)
    ]
    with rt.db.transaction(read_only=True) as s:
        return ledger.verify(
            session=s, presented=presented, verifier=checkpoints.verifier_for(rt.settings)
        )


def _entries(rt: Runtime) -> list[LedgerEntry]:
    with rt.db.transaction(read_only=True) as s:
        return list(s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)))


def test_the_signer_reproduces_the_reference_implementations_note_byte_for_byte(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "checkpoint.key"
    key_file.write_text(GO_SIGNER_KEY + "\n")
    signer = notes.load_or_create_signer(key_file)
    assert signer.verifier.vkey == GO_VERIFIER_KEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    verifier = notes.Verifier.from_vkey(GO_VERIFIER_KEY)
    assert verifier.accepts(GO_TEXT, base64.b64decode(GO_NOTE.split(" ")[-1])[4:])


def test_a_checkpoint_is_a_c2sp_signed_note_over_the_rfc6962_tree_of_the_entries(
    rt: Runtime,
) -> None:
    _tokens(rt, 7)
    made = checkpoints.make(rt=rt)
    leaves = [bytes.fromhex(e.hash) for e in _entries(rt)]
    signer = checkpoints.signer_for(rt.settings)
    body, blank, signature_line = made.note.partition("\n\n")
    origin, size, root_text = body.split("\n")
    assert blank and origin == signer.name == made.origin and size == "7"
    assert base64.b64decode(root_text) == merkle.root(leaves)
    dash, name, stamp = signature_line.rstrip("\n").split(" ")
    assert dash == "\u2014" and name == signer.name
    blob = base64.b64decode(stamp)
    public = signer.verifier.public_key
    assert blob[:4] == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    assert signer.verifier.accepts(body + "\n", blob[4:])
    vkey_name, vkey_hash, vkey_key = signer.verifier.vkey.split("+", 2)
    assert (vkey_name, vkey_hash) == (name, blob[:4].hex())
    assert base64.b64decode(vkey_key) == b"\x01" + public


def test_the_checkpoint_key_is_private_and_lives_beside_the_secret_key(rt: Runtime) -> None:
    checkpoints.make(rt=rt)
    key_file = rt.settings.key_file.parent / "checkpoint.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("PRIVATE+KEY+")


def test_checkpoints_extend_the_last_one_and_stay_consistent_with_it(rt: Runtime) -> None:
    _tokens(rt, 5)
    first = checkpoints.make(rt=rt)
    assert checkpoints.make(rt=rt) == first  # nothing new: the same checkpoint
    _tokens(rt, 6, prefix="u")
    second = checkpoints.make(rt=rt)
    leaves = [bytes.fromhex(e.hash) for e in _entries(rt)]
    assert second.size == 11
    assert base64.b64decode(second.root_hash) == merkle.root(leaves)
    assert merkle.verify_consistency(
        old_size=5,
        new_size=11,
        old_root=base64.b64decode(first.root_hash),
        new_root=base64.b64decode(second.root_hash),
        proof=merkle.consistency_proof(leaves, 5),
    )
    files = sorted(p.name for p in rt.settings.checkpoint_dir.iterdir())
    assert files == [checkpoints.file_name(5), checkpoints.file_name(11)]
    assert (rt.settings.checkpoint_dir / files[1]).read_text() == second.note
    assert _prove(rt, first.note, second.note).intact


def test_truncated_history_is_found(rt: Runtime) -> None:
    ids = _tokens(rt, 6)
    pinned = checkpoints.make(rt=rt).note
    with rt.db.engine.begin() as conn:  # the last two records and their entries, gone together
        conn.execute(text("DELETE FROM ledger_entries WHERE seq > 4"))
        conn.execute(
            text("DELETE FROM api_tokens WHERE id IN (:a, :b)"), {"a": ids[4], "b": ids[5]}
        )
    assert _prove(rt).intact  # the chain alone cannot tell
    report = _prove(rt, pinned)
    assert not report.intact
    (check,) = report.checkpoints
    assert check.signed and not check.present
    assert "truncated" in report.problems[0].message


def test_a_deleted_entry_is_found_even_with_the_rest_renumbered_and_re_chained(
    rt: Runtime,
) -> None:
    ids = _tokens(rt, 6)
    pinned = checkpoints.make(rt=rt).note
    _tokens(rt, 2, prefix="later")
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM api_tokens WHERE id = :id"), {"id": ids[2]})
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 3"))
    _rechain(rt, renumber=True)
    assert _prove(rt).intact
    report = _prove(rt, pinned)
    assert not report.intact and report.checkpoints[0].signed
    assert not report.checkpoints[0].matches
    assert "rewritten" in report.problems[0].message


def test_a_rewritten_entry_is_found(rt: Runtime) -> None:
    _tokens(rt, 4)
    pinned = checkpoints.make(rt=rt).note
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET hash = :h WHERE seq = 2"), {"h": "ab" * 32})
    report = _prove(rt, pinned)
    assert not report.intact
    assert {p.kind for p in report.problems} == {"chain_broken", "checkpoint_mismatch"}


def test_a_record_edited_and_the_whole_chain_recomputed_with_callkeeps_own_hash_is_found(
    rt: Runtime,
) -> None:
    ids = _tokens(rt, 5)
    pinned = checkpoints.make(rt=rt).note
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET role = 'admin' WHERE id = :id"), {"id": ids[1]})
    with rt.db.transaction() as s:  # the new digest, as callkeep itself would compute it
        token = s.get(ApiToken, ids[1])
        assert token is not None
        s.execute(
            text("UPDATE ledger_entries SET digest = :d WHERE seq = 2"),
            {"d": digest(token.ledger_content())},
        )
    _rechain(rt)
    assert _prove(rt).intact  # without a checkpoint, the forgery passes
    report = _prove(rt, pinned)
    assert not report.intact
    assert [p.kind for p in report.problems] == ["checkpoint_mismatch"]


def _rechain(rt: Runtime, *, renumber: bool = False) -> None:
    """What an attacker with the database does: every entry's hash recomputed in order."""
    entries = _entries(rt)
    prev = ledger.GENESIS
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))
        for position, entry in enumerate(entries, start=1):
            seq = position if renumber else entry.seq
            own = ledger.entry_hash(
                seq=seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                entity_type=entry.entity_type,
                entity_id=entry.entity_id,
                digest=entry.digest,
                prev_hash=prev,
            )
            conn.execute(
                LedgerEntry.__table__.insert(),
                {
                    "seq": seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "entity_type": entry.entity_type,
                    "entity_id": entry.entity_id,
                    "digest": entry.digest,
                    "prev_hash": prev,
                    "hash": own,
                },
            )
            prev = own


def test_an_altered_signature_is_refused(rt: Runtime) -> None:
    _tokens(rt, 3)
    note = checkpoints.make(rt=rt).note
    body, _, line = note.partition("\n\n")
    dash, name, stamp = line.rstrip("\n").split(" ")
    blob = bytearray(base64.b64decode(stamp))
    blob[10] ^= 0x01
    forged = f"{body}\n\n{dash} {name} {base64.b64encode(bytes(blob)).decode()}\n"
    report = _prove(rt, forged)
    assert not report.intact and not report.checkpoints[0].signed
    assert report.problems[0].kind == "checkpoint_unsigned"


def test_a_checkpoint_with_an_altered_tree_hash_is_refused(rt: Runtime) -> None:
    _tokens(rt, 3)
    note = checkpoints.make(rt=rt).note
    lines = note.split("\n")
    lines[2] = base64.b64encode(b"\x00" * 32).decode()
    report = _prove(rt, "\n".join(lines))
    assert not report.intact and not report.checkpoints[0].signed


def test_a_true_checkpoint_signed_by_another_key_is_refused(rt: Runtime) -> None:
    _tokens(rt, 3)
    ours = checkpoints.signer_for(rt.settings)
    made = checkpoints.make(rt=rt)
    body = made.note.partition("\n\n")[0] + "\n"
    impostor = notes.Signer(name=ours.name, private_key=Ed25519PrivateKey.generate())
    report = _prove(rt, impostor.sign(body))
    assert not report.intact and not report.checkpoints[0].signed
    assert report.checkpoints[0].matches  # the content is right; the signer is not
    stranger = replace(impostor, name="somebody-else")
    assert not _prove(rt, stranger.sign(body)).intact


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "callkeep\n3\n",
        "origin\nthree\nAAAA\n\n— x AAAA\n",
        "a\n1\nnot base64!\n\n— a AAAAAA==\n",
    ],
)
def test_text_that_is_no_signed_checkpoint_is_refused_with_a_reason(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        notes.parse_note(garbage)


def test_a_damaged_stored_frontier_is_rebuilt_from_the_entries(rt: Runtime) -> None:
    _tokens(rt, 3)
    checkpoints.make(rt=rt)
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_checkpoints SET frontier = 'zz'"))
    _tokens(rt, 2, prefix="u")
    made = checkpoints.make(rt=rt)
    leaves = [bytes.fromhex(e.hash) for e in _entries(rt)]
    assert base64.b64decode(made.root_hash) == merkle.root(leaves)


def test_no_checkpoint_is_signed_over_a_ledger_with_missing_entries(rt: Runtime) -> None:
    _tokens(rt, 4)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 2"))
    with pytest.raises(CallkeepError, match="missing"):
        checkpoints.make(rt=rt)
