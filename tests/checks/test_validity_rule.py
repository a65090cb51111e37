"""One validity rule: the list importer, the check and the scrub give the same answer for every
NPA-NXX, and a number a list file holds is never answered `allowed`."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callkeep.checks import scrub, service
from callkeep.lists import parse
from callkeep.phone.geo import area_code_info
from callkeep.phone.parse import try_normalize
from callkeep.phone.validity import dialable_prefixes, is_dialable
from tests.checks.conftest import Decide, World, codes, make_context

AT = "2026-07-06T15:00:00Z"  # 11:00 Eastern, 08:00 Pacific


def written_out(npa: int, nxx: int) -> bool:
    """The rule as the contract states it, digit by digit."""
    return (
        npa >= 200
        and nxx >= 200
        and npa % 100 != 11
        and nxx % 100 != 11
        and area_code_info(npa) is not None
    )


def test_the_rules_table_is_the_rule_for_every_npa_nxx() -> None:
    prefixes = np.arange(1_000_000, dtype=np.int64)
    expected = np.array([written_out(int(p) // 1000, int(p) % 1000) for p in prefixes])
    assert (dialable_prefixes() == expected).all()
    # the importer's vectorised reading of a list file refuses exactly what the rule refuses
    numbers = prefixes * 10_000 + 4567
    assert ((parse.number_problems(numbers) == 0) == expected).all()


def test_an_n11_exchange_that_libphonenumber_calls_valid_is_not_dialable() -> None:
    import phonenumbers

    assert phonenumbers.is_valid_number(phonenumbers.parse("+12012115555"))
    assert try_normalize("201-211-5555") is None
    assert try_normalize("+1 (201) 211-5555") is None
    assert not is_dialable(2012115555)
    assert parse.parse_line("201,2115555", change=False, first=False)[0] is None


def scrub_statuses(world: World, texts: list[str]) -> list[str]:
    out = io.BytesIO()
    data = ("phone\n" + "".join(f"{t}\n" for t in texts)).encode()
    with world.rt.db.transaction() as session:
        ctx = make_context(session, at=AT)
        scrub.scrub_stream(
            session=session, ctx=ctx, source=io.BytesIO(data), out=out, phone_column=None
        )
    rows = [line for line in out.getvalue().decode().split("\n")[1:] if line]
    return [row.split(",")[-2] for row in rows]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    npa=st.one_of(st.integers(200, 999), st.sampled_from([201, 211, 555, 800, 911, 999])),
    nxx=st.one_of(st.integers(0, 999), st.sampled_from([211, 411, 555, 911, 100, 199])),
    line=st.integers(0, 9999),
)
def test_importer_check_and_scrub_agree_on_every_npa_nxx(
    world: World, decide: Decide, npa: int, nxx: int, line: int
) -> None:
    dialable = written_out(npa, nxx)
    plain, typed = f"{npa}{nxx:03d}{line:04d}", f"({npa}) {nxx:03d}-{line:04d}"
    # the importer: the line-at-a-time reader and the vectorised one
    assert (
        parse.parse_line(f"{npa},{nxx:03d}{line:04d}", change=False, first=False)[0] is not None
    ) == dialable
    assert (int(parse.number_problems(np.array([int(plain)]))[0]) == 0) == dialable
    # the check
    for text in (plain, typed, f"+1{plain}"):
        decision = decide(text, at=AT)
        assert ("invalid_number" in codes(decision)) == (not dialable), text
        assert not (decision.allowed and not dialable)
    # the scrub: its vectorised path (plain digits) and its row path (typed)
    statuses = scrub_statuses(world, [plain, typed])
    assert [s == "invalid" for s in statuses] == [not dialable, not dialable]
    assert service.try_normalize(plain) == (f"+1{plain}" if dialable else None)


def test_a_number_the_list_holds_but_the_rule_refuses_is_reported_and_never_allowed(
    world: World, decide: Decide
) -> None:
    world.import_list(
        "national", ["+12075550123", "+12072115555"], as_of=date(2026, 7, 1)
    )  # 207-211 is an N11 exchange
    decision = decide("+12072115555", at=AT)
    assert not decision.allowed and codes(decision) == ["invalid_number"]
    assert "national_dnc" in codes(decide("+12075550123", at=AT))


def test_one_prefix_is_judged_as_the_rules_table_judges_it() -> None:
    from callkeep.phone.validity import dialable_prefixes, prefix_dialable

    table = dialable_prefixes()
    assert [prefix_dialable(p) for p in range(len(table))] == table.tolist()
    assert not prefix_dialable(-1) and not prefix_dialable(len(table))
