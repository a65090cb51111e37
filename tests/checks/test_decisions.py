"""The decision engine on a real database: lists, safe harbor, exemptions, caps, places."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callkeep.checks import service
from callkeep.checks.engine import ebr_basis, months_before
from callkeep.errors import InvalidInput
from callkeep.kit.runtime import Runtime
from callkeep.lists import service as lists_service
from tests.checks.conftest import (
    FL_NUMBER,
    ME_NUMBER,
    MONDAY_9AM_ME,
    Decide,
    Facts,
    World,
    codes,
)

AT = datetime.fromisoformat(MONDAY_9AM_ME)
FRESH = date(2026, 7, 1)


def test_no_national_registry_at_all_blocks_with_registry_missing(decide: Decide) -> None:
    decision = decide(ME_NUMBER)
    assert codes(decision) == ["registry_missing"]
    assert decision.allowed is False


def test_a_number_on_a_fresh_national_list_is_blocked_and_one_off_it_is_allowed(
    world: World, decide: Decide
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    on = decide(ME_NUMBER)
    assert codes(on) == ["national_dnc"]
    assert on.reasons[0].citation == "16 CFR 310.4(b)(1)(iii)(B)"
    assert [(x.list, x.hit) for x in on.lists] == [("national", True)]
    off = decide("+12075550199")
    assert off.allowed and off.reasons == []
    assert [(x.list, x.hit) for x in off.lists] == [("national", False)]


def test_an_area_code_the_national_data_does_not_cover_is_registry_missing(
    world: World, decide: Decide
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    assert codes(decide(FL_NUMBER)) == ["registry_missing"]


def test_a_national_version_older_than_31_days_loses_the_safe_harbor(
    world: World, decide: Decide
) -> None:
    world.import_list("national", ["+12075550100"], as_of=date(2026, 6, 5))  # 31 days before
    assert decide(ME_NUMBER).allowed
    assert codes(decide(ME_NUMBER, at="2026-07-07T13:00:00Z")) == ["registry_stale"]


def test_every_blocking_reason_is_named_not_just_the_first(world: World, decide: Decide) -> None:
    world.import_list("national", [ME_NUMBER], as_of=date(2026, 5, 1))
    world.import_list("entity:acme", [ME_NUMBER], as_of=date(2026, 5, 1))
    late = "2026-07-06T02:30:00Z"  # 22:30 in Maine
    assert codes(decide(ME_NUMBER, at=late)) == [
        "entity_dnc",
        "national_dnc",
        "registry_stale",
        "calling_hours",
    ]


def test_written_consent_lifts_the_registry_block(world: World, decide: Decide) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    decision = decide(ME_NUMBER, facts={ME_NUMBER: Facts(written_consent=True)})
    assert decision.allowed
    assert decision.exemptions == ["written_consent"]


def test_an_entity_request_overrides_written_consent_and_the_ebr(
    world: World, decide: Decide
) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    world.import_list("entity:acme", [ME_NUMBER], as_of=FRESH)
    facts = Facts(written_consent=True, last_purchase_at=AT - timedelta(days=10))
    decision = decide(ME_NUMBER, facts={ME_NUMBER: facts})
    assert codes(decision) == ["entity_dnc", "national_dnc"]
    assert decision.reasons[0].citation == "16 CFR 310.4(b)(1)(iii)(A); 47 CFR 64.1200(d)"
    assert decision.exemptions == []


def test_an_entity_request_of_another_seller_does_not_block(world: World, decide: Decide) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[207])
    world.import_list("entity:birch", [ME_NUMBER], as_of=FRESH)
    assert decide(ME_NUMBER).allowed
    assert codes(decide(ME_NUMBER, seller="birch")) == ["entity_dnc"]


def test_a_revoked_consent_no_longer_counts(world: World, decide: Decide) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    decision = decide(ME_NUMBER, facts={ME_NUMBER: Facts(consent_revoked=True)})
    assert codes(decision) == ["national_dnc", "consent_revoked"]
    purchase = Facts(consent_revoked=True, last_purchase_at=AT - timedelta(days=30))
    assert decide(ME_NUMBER, facts={ME_NUMBER: purchase}).allowed


def test_the_ebr_lasts_540_days_after_a_purchase(world: World, decide: Decide) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    inside = Facts(last_purchase_at=AT - timedelta(days=540))
    outside = Facts(last_purchase_at=AT - timedelta(days=540, seconds=1))
    assert decide(ME_NUMBER, facts={ME_NUMBER: inside}).exemptions == ["ebr_purchase"]
    assert codes(decide(ME_NUMBER, facts={ME_NUMBER: outside})) == ["national_dnc"]


def test_the_ebr_after_an_inquiry_is_the_stricter_of_90_days_and_3_months() -> None:
    at = datetime.fromisoformat("2026-05-31T12:00:00+00:00")
    # 3 calendar months back is Feb 28; 90 days back is Mar 2, the stricter.
    assert months_before(at, 3).date() == date(2026, 2, 28)
    assert ebr_basis(Facts(last_inquiry_at=at - timedelta(days=90)), at) == "ebr_inquiry"
    assert (
        ebr_basis(Facts(last_inquiry_at=datetime.fromisoformat("2026-03-01T12:00:00+00:00")), at)
        is None
    )
    # In August, 3 months (May 10) is stricter than 90 days (May 12 is later... )
    aug = datetime.fromisoformat("2026-08-10T12:00:00+00:00")
    assert months_before(aug, 3).date() == date(2026, 5, 10)
    assert ebr_basis(Facts(last_inquiry_at=aug - timedelta(days=91)), aug) is None


def test_litigators_block_only_for_sellers_that_screen_them(world: World, decide: Decide) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[207])
    world.import_list("litigator", [ME_NUMBER], as_of=FRESH)
    acme = decide(ME_NUMBER)
    assert acme.allowed and ("litigator", True) in [(x.list, x.hit) for x in acme.lists]
    assert codes(decide(ME_NUMBER, seller="birch")) == ["litigator"]


def test_a_state_list_blocks_unless_consent_or_ebr(world: World, decide: Decide) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[305])
    world.import_list("state:FL", [FL_NUMBER], as_of=FRESH)
    assert codes(decide(FL_NUMBER)) == ["state_dnc"]
    assert decide(FL_NUMBER, facts={FL_NUMBER: Facts(written_consent=True)}).allowed


def test_florida_caps_three_calls_a_day_on_one_subject(world: World, decide: Decide) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[305])
    assert decide(FL_NUMBER, facts={FL_NUMBER: Facts(calls_24h=2)}).allowed
    capped = decide(FL_NUMBER, facts={FL_NUMBER: Facts(calls_24h=3)})
    assert codes(capped) == ["frequency_cap"]
    assert capped.reasons[0].citation == "Fla. Stat. §501.616(6)(b)"


def test_maine_allows_one_completed_automated_call_per_8_hours(
    world: World, decide: Decide
) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[207])
    once = {ME_NUMBER: Facts(completed_calls_8h=1)}
    assert decide(ME_NUMBER, facts=once, campaign="windows").allowed
    assert codes(decide(ME_NUMBER, facts=once, campaign="robo")) == ["frequency_cap"]
    # and automated dialing in Maine waits for 9 a.m.
    early = "2026-07-06T12:30:00Z"
    assert decide(ME_NUMBER, at=early, campaign="windows").allowed
    assert codes(decide(ME_NUMBER, at=early, campaign="robo")) == ["calling_hours"]


def test_the_contacts_address_comes_before_the_area_code(world: World, decide: Decide) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[207])
    at = "2026-07-07T00:30:00Z"  # 20:30 Eastern: fine in Maine, too late for Florida
    assert decide(ME_NUMBER, at=at).allowed
    moved = decide(ME_NUMBER, at=at, facts={ME_NUMBER: Facts(zips=frozenset({"33101"}))})
    assert moved.states == ["FL"]
    assert codes(moved) == ["calling_hours"]
    assert moved.reasons[0].citation == "Fla. Stat. §501.616(6)(a)"


def test_the_florida_panhandle_must_satisfy_eastern_and_central(
    world: World, decide: Decide
) -> None:
    world.import_list("national", [], as_of=FRESH, area_codes=[850])
    decision = decide("+18505550123", at="2026-07-06T12:30:00Z")  # 08:30 Eastern, 07:30 Central
    assert decision.states == ["FL"]
    assert {t.zone for t in decision.local_times} == {"America/New_York", "America/Chicago"}
    assert codes(decision) == ["calling_hours"]


def test_an_unparseable_number_is_invalid_number(decide: Decide) -> None:
    decision = decide("not a phone")
    assert decision.allowed is False
    assert codes(decision) == ["invalid_number"]
    assert decision.phone == "not a phone"
    assert decision.states == [] and decision.local_times == [] and decision.lists == []


def test_a_number_outside_nanp_has_no_registry_and_is_blocked(decide: Decide) -> None:
    decision = decide("+44 20 7946 0958", at="2026-07-06T12:00:00Z")
    assert decision.phone == "+442079460958"
    assert codes(decision) == ["registry_missing"]
    assert [t.zone for t in decision.local_times] == ["Europe/London"]


def test_a_past_moment_is_answered_as_of_then(world: World, decide: Decide) -> None:
    world.import_list("national", [ME_NUMBER], as_of=FRESH)
    with world.rt.db.transaction() as session:
        lists_service.add_entity_entry(
            session=session, actor="test", seller_slug="acme", phone=ME_NUMBER, source="phone"
        )
    now = datetime.now().astimezone().replace(microsecond=0)
    assert "entity_dnc" in codes(decide(ME_NUMBER, at=now.isoformat()))
    assert "entity_dnc" not in codes(decide(ME_NUMBER, at="2026-07-06T13:00:00Z"))
    # before the national version existed there was no registry data at all
    assert codes(decide(ME_NUMBER, at="2026-06-15T13:00:00Z")) == ["registry_missing"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    last4=st.integers(min_value=0, max_value=9999),
    hour=st.integers(min_value=0, max_value=23),
    consent=st.booleans(),
    listed=st.sampled_from(["national", "entity:acme", "litigator", "state:ME"]),
)
def test_adding_a_list_entry_never_turns_a_block_into_an_allow(
    world: World, decide: Decide, last4: int, hour: int, consent: bool, listed: str
) -> None:
    phone = f"+1207555{last4:04d}"
    at = f"2026-07-06T{hour:02d}:00:00Z"
    facts = {phone: Facts(written_consent=consent)}
    if not world.imported:
        world.import_list("national", [], as_of=FRESH, area_codes=[207])
    before = decide(phone, at=at, facts=facts)
    world.import_list(listed, [phone], as_of=FRESH)
    after = decide(phone, at=at, facts=facts)
    assert set(codes(before)) <= set(codes(after))
    assert before.allowed or not after.allowed


def test_on_a_database_as_db_upgrade_leaves_it_the_check_decides_for_the_default_seller(
    rt: Runtime,
) -> None:
    from callkeep.bootstrap import ensure_default_seller

    ensure_default_seller(rt)
    with rt.db.transaction() as session:
        ctx = service.context(session=session, seller=None, campaign=None, at=None, phones=None)
        decision = service.decide(session=session, ctx=ctx, inputs=["nope"])[0]
    assert (ctx.seller.slug, ctx.seller.name) == ("default", "My business")
    assert [r.code for r in decision.reasons] == ["invalid_number"]


def test_with_no_seller_on_record_the_check_is_refused_naming_the_seller(rt: Runtime) -> None:
    with rt.db.transaction() as session, pytest.raises(InvalidInput) as raised:
        service.context(session=session, seller=None, campaign=None, at=None, phones=None)
    assert raised.value.fields[0].field == "seller"
    assert "db upgrade" in raised.value.fields[0].message
