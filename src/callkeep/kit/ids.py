"""Record identifiers: time-ordered, unique across servers, safe in URLs."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """A 26-character time-ordered id (48-bit milliseconds + 80 random bits, Crockford base32)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    chars = []
    for _ in range(26):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars))
