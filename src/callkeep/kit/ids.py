"""Record identifiers: time-ordered, unique across servers, safe in URLs.

An id is 26 characters of Crockford base32 (lower case) over a 130-bit number: 48 bits of Unix
milliseconds (the first 10 characters, two leading zero bits included) then 80 random bits (the
last 16). Ids made in the same millisecond share their first 10 characters, so those are written
once per millisecond, and the 80 random bits are exactly 10 bytes, which base32 writes as exactly
16 characters: a batch of ids costs one read of random bytes and one vectorised base32 encoding.
"""

from __future__ import annotations

import os
import time

import numpy as np

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_SYMBOLS = np.frombuffer(_ALPHABET.encode("ascii"), dtype=np.uint8)
_GROUP_SHIFTS = np.array([32, 24, 16, 8, 0], dtype=np.uint64)
_SYMBOL_SHIFTS = np.arange(35, -1, -5, dtype=np.uint64)
_SMALL_BATCH = 64
_PAIRS = [_ALPHABET[i >> 5] + _ALPHABET[i & 31] for i in range(1024)]
_SHIFTS = tuple(range(70, -1, -10))
_RANDOM_BYTES = 10
_last_prefix: tuple[int, str] = (-1, "")


def _prefix(millis: int) -> str:
    """The first 10 characters: the 48-bit millisecond count as 50 bits."""
    global _last_prefix  # one (millis, text) pair, replaced whole: safe across threads
    last = _last_prefix
    if last[0] == millis:
        return last[1]
    text = "".join([_PAIRS[(millis >> shift) & 1023] for shift in (40, 30, 20, 10, 0)])
    _last_prefix = (millis, text)
    return text


def new_id() -> str:
    """A 26-character time-ordered id (48-bit milliseconds + 80 random bits, Crockford base32)."""
    random = int.from_bytes(os.urandom(_RANDOM_BYTES), "big")
    suffix = "".join([_PAIRS[(random >> shift) & 1023] for shift in _SHIFTS])
    return _prefix(int(time.time() * 1000)) + suffix


def new_ids(count: int) -> list[str]:
    """`count` ids as `new_id` makes them, from one clock reading and one read of random bytes."""
    if count < _SMALL_BATCH:
        return [new_id() for _ in range(count)]
    prefix = _prefix(int(time.time() * 1000))
    return [prefix + suffix for suffix in _base32_suffixes(os.urandom(_RANDOM_BYTES * count))]


def _base32_suffixes(random: bytes) -> list[str]:
    """Each 10 bytes of `random` as 16 Crockford base32 characters (8 per 5 bytes)."""
    groups = np.frombuffer(random, dtype=np.uint8).reshape(-1, 5).astype(np.uint64)
    values = (groups << _GROUP_SHIFTS).sum(axis=1, dtype=np.uint64)
    symbols = (values[:, None] >> _SYMBOL_SHIFTS) & np.uint64(31)
    text = _SYMBOLS[symbols].tobytes().decode("ascii")
    return [text[start : start + 16] for start in range(0, len(text), 16)]
