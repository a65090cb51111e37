"""The ledger's canonical bytes, entry hashes and ids are exactly what they always were.

Every digest in every ledger already written depends on them, so the fast encoders are compared
with the original ones, written out here as they were, over every kind of value callkeep stores.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callkeep.kit import ids
from callkeep.kit.canonical import ObjectWriter, Unusual, canonical_bytes, digest
from callkeep.ledger import service as ledger
from callkeep.ledger.chain import Chain


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _old_plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} has no canonical form")


_OLD = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_old_plain
)


def _old_bytes(content: dict[str, Any]) -> bytes:
    return _OLD.encode(content).encode("utf-8")


def _old_id(millis: int, random: bytes) -> str:
    value = (millis << 80) | int.from_bytes(random, "big")
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    chars = []
    for _ in range(26):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=5, minutes=30)), None]
)
instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)
scalars = (
    texts
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**63 - 1, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64])
    | st.booleans()
    | st.none()
    | instants
    | st.dates()
    | st.sampled_from([Colour.RED, Level.HIGH])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=12,
)
contents = st.dictionaries(texts, values, max_size=12)


@given(contents)
def test_canonical_bytes_are_the_bytes_pythons_encoder_always_wrote(
    content: dict[str, Any],
) -> None:
    assert canonical_bytes(content) == _old_bytes(content)


@given(
    contents,
    st.sampled_from(
        [1.5, 1e16, float("nan"), Decimal("1.10"), b"\x00\xff", {3, 1, 2}, frozenset({"b", "a"})]
    ),
)
def test_values_orjson_would_write_differently_take_the_old_road(
    content: dict[str, Any], unusual: Any
) -> None:
    content = {**content, "unusual": unusual, "nested": [{"deep": unusual}]}
    assert canonical_bytes(content) == _old_bytes(content)


def test_content_python_cannot_encode_is_refused_as_before() -> None:
    for content in ({"text": "lone \ud800 surrogate"}, {"when": datetime.now().time()}):
        with pytest.raises((UnicodeEncodeError, TypeError)):
            _old_bytes(content)
        with pytest.raises((UnicodeEncodeError, TypeError)):
            canonical_bytes(content)


def test_non_text_keys_are_written_as_before() -> None:
    content: dict[Any, Any] = {"a": {1: "one", 2: "two"}}
    assert canonical_bytes(content) == _old_bytes(content)


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    at=instants,
    actor=texts,
    action=texts,
    entity_type=texts,
    entity_id=texts,
    content_digest=texts,
    prev_hash=texts,
)
def test_an_entry_hash_is_sha256_of_its_canonical_fields(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    content_digest: str,
    prev_hash: str,
) -> None:
    fields = {
        "seq": seq,
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "digest": content_digest,
        "prev_hash": prev_hash,
    }
    expected = hashlib.sha256(_old_bytes(fields)).hexdigest()
    assert (
        ledger.entry_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            digest=content_digest,
            prev_hash=prev_hash,
        )
        == expected
    )
    chain = Chain(_iso(at), actor, action)
    assert chain.hash(seq, entity_type, entity_id, content_digest, prev_hash) == expected


def test_a_digest_is_the_sha256_of_the_canonical_bytes() -> None:
    content = {"b": 1, "a": "é", "at": datetime(2026, 7, 4, 13, 0, 0, 750, tzinfo=UTC)}
    assert canonical_bytes(content) == '{"a":"é","at":"2026-07-04T13:00:00Z","b":1}'.encode()
    assert digest(content) == hashlib.sha256(_old_bytes(content)).hexdigest()


@given(st.integers(min_value=0, max_value=2**48 - 1), st.binary(min_size=10, max_size=10))
def test_an_id_spells_its_time_and_random_bits_as_ids_always_did(
    millis: int, random: bytes
) -> None:
    expected = _old_id(millis, random)
    assert ids._prefix(millis) + ids._base32_suffixes(random)[0] == expected
    assert ids._prefix(millis) + expected[10:] == expected


def test_ids_made_one_by_one_and_in_batches_are_unique_and_time_ordered() -> None:
    before = ids.new_id()
    batch = ids.new_ids(1000)
    small = ids.new_ids(3)
    time.sleep(0.002)
    after = ids.new_id()
    everything = [before, *batch, *small, after]
    assert len(set(everything)) == len(everything)
    assert all(len(i) == 26 for i in everything)
    assert before[:10] <= batch[0][:10] <= small[0][:10] <= after[:10] and before < after


@given(
    st.dictionaries(
        st.text(max_size=6),
        st.one_of(st.text(max_size=8), st.integers(min_value=-(2**63), max_value=2**64 - 1)),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_an_object_written_member_by_member_is_the_bytes_pythons_encoder_always_wrote(
    content: dict[str, Any], data: st.DataObject
) -> None:
    fixed_keys = data.draw(st.sets(st.sampled_from(sorted(content))))
    fixed = {key: content[key] for key in fixed_keys}
    varying = [key for key in content if key not in fixed_keys]
    writer = ObjectWriter(varying, fixed=fixed)
    assert writer.write({key: content[key] for key in varying}) == _old_bytes(content)


def test_values_an_object_writer_does_not_write_are_left_to_canonical_bytes() -> None:
    writer = ObjectWriter(["n"], fixed={})
    for unusual in (2**64, 1.5, True, None, "\ud800"):
        with pytest.raises(Unusual):
            writer.write({"n": unusual})
