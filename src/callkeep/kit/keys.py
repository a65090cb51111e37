"""Key rotation: a new current key, and every encrypted value re-encrypted under it.

Re-encryption changes ciphertext only; the ledger digests plaintext, so `audit verify` still
holds after a rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session

from callkeep.kit import crypto
from callkeep.kit.db import Base


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    values: int
    unreadable: int


def _encrypted_columns() -> list[tuple[Table, list[str]]]:
    found: list[tuple[Table, list[str]]] = []
    for table in Base.metadata.sorted_tables:
        names = [c.name for c in table.columns if isinstance(c.type, crypto.EncryptedText)]
        if names:
            found.append((table, names))
    return found


def rotate(*, session: Session, key_file: Path) -> RotationReport:
    """Adds a new key to `key_file` and re-encrypts every encrypted column under it.

    Values no key can read are left as they are and counted, for `audit verify` to name.
    """
    old = crypto.keyring()
    new = crypto.add_key(key_file)
    values = unreadable = 0
    for table, names in _encrypted_columns():
        pk = next(iter(table.primary_key.columns))
        raw = [type_coerce(table.c[name], Text).label(name) for name in names]
        for row in session.execute(select(pk, *raw)).all():
            changes: dict[str, str] = {}
            for name in names:
                stored = row._mapping[name]
                if stored is None:
                    continue
                plain = old.decrypt(stored)
                if isinstance(plain, crypto.Undecryptable):
                    unreadable += 1
                    continue
                changes[name] = new.encrypt(plain)
                values += 1
            if changes:
                statement = update(table).where(pk == row[0])
                session.execute(
                    statement.values({table.c[n]: type_coerce(v, Text) for n, v in changes.items()})
                )
    crypto.install(new)
    return RotationReport(key_id=new.current_id, values=values, unreadable=unreadable)
