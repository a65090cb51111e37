"""Reading a consumer's words: does this text or email ask not to be contacted, and about which
number? The words are kept as matched, so the record shows what the person wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callkeep.phone.parse import try_normalize

# 47 CFR 64.1200(a)(10): reply words that revoke consent per se.
STOP_WORDS = ("stop", "quit", "end", "revoke", "opt out", "optout", "cancel", "unsubscribe")

# Phrases a reasonable person would understand as "do not contact me".
STOP_PHRASES = (
    "stop texting",
    "stop calling",
    "stop contacting",
    "stop messaging",
    "take me off",
    "remove me",
    "remove my number",
    "do not call",
    "dont call",
    "don t call",
    "do not text",
    "dont text",
    "don t text",
    "do not contact",
    "no more calls",
    "no more texts",
    "no more messages",
    "never call",
    "never contact",
    "put me on your do not call",
    "add me to your do not call",
    "leave me alone",
    "opt me out",
    "unsubscribe me",
)

_LONGEST_FIRST = sorted(STOP_PHRASES, key=len, reverse=True)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_PHONE_LIKE = re.compile(r"(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}(?!\d)")


@dataclass(frozen=True)
class Intent:
    """What a message asks: `opt_out` with the wording that shows it."""

    opt_out: bool
    matched: str | None


def _words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower().replace("'", "").replace("’", "")).split())


def match_stop(message: str) -> Intent:
    """A text reply's intent: a phrase anywhere, or a stop word as the whole message or its lead.

    Case and punctuation do not matter ("Stop!", "opt-out", "UNSUBSCRIBE.").
    """
    words = _words(message)
    if not words:
        return Intent(False, None)
    padded = f" {words} "
    for phrase in _LONGEST_FIRST:
        if f" {phrase} " in padded:
            return Intent(True, phrase)
    for word in STOP_WORDS:
        if words == word or words.startswith(word + " "):
            return Intent(True, word.replace("optout", "opt out"))
    return Intent(False, None)


def match_email(subject: str, body: str) -> Intent:
    """An email's intent: a stop phrase in subject or body, or a stop word as the subject."""
    by_subject = match_stop(subject)
    if by_subject.opt_out:
        return by_subject
    padded = f" {_words(subject + ' ' + body)} "
    for phrase in (*_LONGEST_FIRST, "unsubscribe", "opt out", "revoke"):
        if f" {phrase} " in padded:
            return Intent(True, phrase)
    return Intent(False, None)


def find_phones(text: str) -> list[str]:
    """The distinct dialable numbers written in `text`, in E.164, in order of appearance."""
    found: list[str] = []
    for match in _PHONE_LIKE.finditer(text):
        e164 = try_normalize(match.group(0))
        if e164 is not None and e164 not in found:
            found.append(e164)
    return found
