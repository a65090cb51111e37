"""Reading STOP and its cousins in texts and emails, and numbers in free text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callkeep.requests.intent import (
    STOP_PHRASES,
    STOP_WORDS,
    find_phones,
    match_email,
    match_stop,
)

PUNCTUATION = st.sampled_from(["", "!", ".", "!!", "?", " ", "...", " :)", "\n", "-"])
HARMLESS = st.lists(
    st.sampled_from(
        [
            "yes",
            "hello",
            "thanks",
            "ok",
            "when",
            "price",
            "tomorrow",
            "sounds",
            "good",
            "call",
            "me",
            "at",
            "five",
            "who",
            "is",
            "this",
            "sure",
            "great",
            "deal",
            "send",
            "info",
        ]
    ),
    min_size=1,
    max_size=8,
)


def mixed_case(draw_case: list[bool], word: str) -> str:
    return "".join(
        ch.upper() if flip else ch for ch, flip in zip(word, draw_case + [False] * len(word))
    )


@given(
    word=st.sampled_from(STOP_WORDS),
    case=st.lists(st.booleans(), max_size=12),
    before=PUNCTUATION,
    after=PUNCTUATION,
)
def test_a_stop_word_alone_is_an_opt_out_whatever_its_case_and_punctuation(
    word: str, case: list[bool], before: str, after: str
) -> None:
    found = match_stop(before.strip() + mixed_case(case, word) + after)
    assert found.opt_out
    assert found.matched is not None


@given(word=st.sampled_from(STOP_WORDS), rest=HARMLESS)
def test_a_stop_word_leading_a_message_is_an_opt_out(word: str, rest: list[str]) -> None:
    assert match_stop(f"{word.upper()}, {' '.join(rest)}").opt_out


@given(words=HARMLESS)
def test_ordinary_replies_are_not_opt_outs(words: list[str]) -> None:
    assert not match_stop(" ".join(words)).opt_out


@given(phrase=st.sampled_from(STOP_PHRASES), before=HARMLESS, after=HARMLESS)
def test_a_phrase_anywhere_in_a_message_is_an_opt_out(
    phrase: str, before: list[str], after: list[str]
) -> None:
    found = match_stop(f"{' '.join(before)}. {phrase.capitalize()}! {' '.join(after)}")
    assert found.opt_out
    assert found.matched == phrase


@pytest.mark.parametrize(
    ("message", "matched"),
    [
        ("Please stop texting me", "stop texting"),
        ("take me off your list!!", "take me off"),
        ("Do NOT call me again.", "do not call"),
        ("remove me", "remove me"),
        ("no more calls please", "no more calls"),
        ("Opt-Out", "opt out"),
        ("STOP", "stop"),
        ("Don't call me", "dont call"),
    ],
)
def test_phrases_people_write_are_recognised_and_kept(message: str, matched: str) -> None:
    assert match_stop(message).matched == matched


def test_a_stop_word_inside_another_word_is_not_an_opt_out() -> None:
    assert not match_stop("Stopping by tomorrow to pick it up").opt_out
    assert not match_stop("the weekend works").opt_out


def test_an_email_asking_to_be_removed_is_an_opt_out() -> None:
    assert match_email(
        "Calls", "Please remove me from your list. My number is 207-555-0123."
    ).opt_out
    assert not match_email("Question", "What are your prices for 207-555-0123?").opt_out


NUMBERS = st.tuples(
    st.integers(min_value=201, max_value=989).filter(lambda n: n % 100 != 11 and n // 10 % 10 != 9),
    st.integers(min_value=200, max_value=999).filter(lambda n: n % 100 != 11),
    st.integers(min_value=0, max_value=9999),
)
FORMATS = st.sampled_from(
    ["{a}-{e}-{s}", "({a}) {e}-{s}", "{a}.{e}.{s}", "+1 {a} {e} {s}", "1-{a}-{e}-{s}", "{a}{e}{s}"]
)


@given(number=NUMBERS, shape=FORMATS, before=HARMLESS, after=HARMLESS)
def test_a_written_number_is_found_in_text_in_any_usual_format(
    number: tuple[int, int, int], shape: str, before: list[str], after: list[str]
) -> None:
    area, exchange, line = number
    written = shape.format(a=area, e=exchange, s=f"{line:04d}")
    expected = f"+1{area}{exchange}{line:04d}"
    found = find_phones(f"{' '.join(before)} {written} {' '.join(after)}")
    from callkeep.phone.parse import try_normalize

    if try_normalize(expected) is not None:
        assert found == [expected]
