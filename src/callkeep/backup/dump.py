"""Tables to JSON lines and back, the same on SQLite and PostgreSQL.

Encrypted columns travel as ciphertext: a backup never holds personal data in the clear.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Column, Connection, MetaData, Table, Text, insert, select

from callkeep.kit.crypto import EncryptedText
from callkeep.kit.db import UTCDateTime


def raw_table(table: Table) -> Table:
    """`table` as stored: encrypted columns as their ciphertext text."""
    columns = [
        Column(
            c.name, Text if isinstance(c.type, EncryptedText) else c.type, primary_key=c.primary_key
        )
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    return value


def _typed(column: Column[Any], value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(text)
        if tag == "$date":
            return date.fromisoformat(text)
        if tag == "$b64":
            return base64.b64decode(text)
    if isinstance(column.type, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def dump_table(connection: Connection, table: Table, out: IO[bytes]) -> int:
    """Writes every row of `table` as one JSON object per line; returns the row count."""
    raw = raw_table(table)
    order = list(raw.primary_key.columns)
    rows = 0
    result = connection.execution_options(yield_per=5000).execute(select(raw).order_by(*order))
    for row in result:
        record = {key: _plain(value) for key, value in row._mapping.items()}
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        rows += 1
    return rows


def _batches(lines: IO[bytes], table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        batch.append({c.name: _typed(c, record.get(c.name)) for c in table.columns})
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_table(connection: Connection, table: Table, lines: IO[bytes]) -> int:
    """Inserts the rows written by `dump_table`, ciphertext as it was; returns the count."""
    raw = raw_table(table)
    rows = 0
    for batch in _batches(lines, raw, 2000):
        connection.execute(insert(raw), batch)
        rows += len(batch)
    return rows
