"""The shortcuts of the single check give the same answers as the long way round.

A check reads its seller and campaign from a per-process directory re-read when a stamp moves,
and asks one question before reading the facts about a number; both must see every change.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from callkeep.checks.peers import resolve_campaign, resolve_seller
from callkeep.errors import InvalidInput
from callkeep.records import amendments, consents, queries
from callkeep.records.calls import service as calls
from callkeep.records.models import Call
from callkeep.records.parties import people, sellers
from callkeep.records.parties.schemas import CampaignIn, ContactIn, SellerIn
from callkeep.records.schemas import CallIn, ConsentIn, InquiryIn, PurchaseIn
from tests.checks.conftest import World

AT = datetime.fromisoformat("2026-07-06T13:00:00+00:00")
HELD = "+12075550101"  # a contact holds it
CONSENTED = "+12075550102"
BOUGHT_FROM = "+12075550103"  # a purchase names it; its contact holds another number
ASKED_FROM = "+12075550104"
CALLED = "+12075550105"
UNKNOWN = "+12075550106"


def test_a_seller_added_or_amended_elsewhere_is_seen_by_the_next_check(world: World) -> None:
    db = world.rt.db
    with db.transaction(read_only=True) as session:
        assert resolve_seller(session=session, ref=None).slug == "acme"
        with pytest.raises(InvalidInput, match="no seller 'cedar'"):
            resolve_seller(session=session, ref="cedar")
    with db.transaction() as session:
        sellers.create_seller(
            session=session,
            actor="test",
            seller_in=SellerIn(name="Cedar Roofing", slug="cedar", is_default=True),
        )
    with db.transaction(read_only=True) as session:
        assert resolve_seller(session=session, ref="cedar").name == "Cedar Roofing"
        assert resolve_seller(session=session, ref=None).slug == "cedar"
        cedar_id = resolve_seller(session=session, ref="cedar").id
        assert resolve_seller(session=session, ref=cedar_id).slug == "cedar"
    with db.transaction() as session:
        amendments.amend(
            session=session,
            actor="test",
            target_type="sellers",
            target_id=cedar_id,
            changes={"screen_litigators": True},
            reason="the seller asked us to screen litigators",
        )
    with db.transaction(read_only=True) as session:
        assert resolve_seller(session=session, ref="cedar").screen_litigators is True


def test_a_seller_or_campaign_added_in_the_same_transaction_is_found_by_its_next_check(
    world: World,
) -> None:
    with world.rt.db.transaction() as session:
        acme = resolve_seller(session=session, ref="acme")
        assert resolve_campaign(session=session, ref="windows", seller=acme) is not None
        with pytest.raises(InvalidInput, match="no seller 'cedar'"):
            resolve_seller(session=session, ref="cedar")
        sellers.create_seller(
            session=session, actor="test", seller_in=SellerIn(name="Cedar Roofing", slug="cedar")
        )
        cedar = resolve_seller(session=session, ref="cedar")
        assert cedar.name == "Cedar Roofing"
        sellers.create_campaign(
            session=session,
            actor="test",
            campaign_in=CampaignIn.model_validate(
                {"seller": "cedar", "slug": "roofs", "subject": "roofs", "dialing_mode": "manual"}
            ),
        )
        roofs = resolve_campaign(session=session, ref="roofs", seller=cedar)
        assert roofs is not None and roofs.subject == "roofs"
        amendments.amend(
            session=session,
            actor="test",
            target_type="sellers",
            target_id=cedar.id,
            changes={"screen_litigators": True},
            reason="the seller asked us to screen litigators",
        )
        assert resolve_seller(session=session, ref="cedar").screen_litigators is True
    with world.rt.db.transaction(read_only=True) as session:
        assert resolve_seller(session=session, ref="cedar").screen_litigators is True


def test_a_seller_added_in_a_transaction_rolled_back_is_not_found_afterwards(
    world: World,
) -> None:
    with pytest.raises(RuntimeError), world.rt.db.transaction() as session:
        sellers.create_seller(
            session=session, actor="test", seller_in=SellerIn(name="Cedar Roofing", slug="cedar")
        )
        assert resolve_seller(session=session, ref="cedar").name == "Cedar Roofing"
        raise RuntimeError("the import failed")
    with (
        world.rt.db.transaction(read_only=True) as session,
        pytest.raises(InvalidInput, match="no seller 'cedar'"),
    ):
        resolve_seller(session=session, ref="cedar")


def test_a_campaign_added_or_amended_elsewhere_is_seen_by_the_next_check(world: World) -> None:
    db = world.rt.db
    with db.transaction(read_only=True) as session:
        acme = resolve_seller(session=session, ref="acme")
        birch = resolve_seller(session=session, ref="birch")
        assert resolve_campaign(session=session, ref="windows", seller=acme) is not None
        with pytest.raises(InvalidInput, match="no campaign 'windows' for this seller"):
            resolve_campaign(session=session, ref="windows", seller=birch)
    with db.transaction() as session:
        made = sellers.create_campaign(
            session=session,
            actor="test",
            campaign_in=CampaignIn.model_validate(
                {"seller": "birch", "slug": "windows", "subject": "doors", "dialing_mode": "manual"}
            ),
        )
    with db.transaction() as session:
        amendments.amend(
            session=session,
            actor="test",
            target_type="campaigns",
            target_id=made.id,
            changes={"dialing_mode": "predictive"},
            reason="the dialer changed",
        )
    with db.transaction(read_only=True) as session:
        found = resolve_campaign(session=session, ref="WINDOWS", seller=birch)
        assert found is not None
        assert (found.id, found.subject, found.dialing_mode) == (made.id, "doors", "predictive")


def _seed_facts(world: World) -> None:
    with world.rt.db.transaction() as session:
        holder = people.create_contact(
            session=session,
            actor="test",
            contact_in=ContactIn(names=["Jane Doe"], phones=[HELD], state="FL", zip="33101"),
        )
        consents.record_consent(
            session=session,
            actor="test",
            consent_in=ConsentIn(
                name="Ann Roe",
                phone=CONSENTED,
                request_text="Yes, call me",
                purpose="windows",
                consent_text="I agree to calls from Acme at this number.",
                kind="written",
                given_at=datetime.fromisoformat("2026-06-01T12:00:00+00:00"),
                signature="Ann Roe",
            ),
        )
        consents.record_purchase(
            session=session,
            actor="test",
            purchase_in=PurchaseIn(
                contact_id=holder.id,
                phone=BOUGHT_FROM,
                goods="windows",
                purchased_at=datetime.fromisoformat("2026-03-01T12:00:00+00:00"),
                amount_cents=100,
            ),
        )
        consents.record_inquiry(
            session=session,
            actor="test",
            inquiry_in=InquiryIn(
                contact_id=holder.id,
                phone=ASKED_FROM,
                goods="windows",
                inquired_at=datetime.fromisoformat("2026-06-20T12:00:00+00:00"),
            ),
        )
        calls.record_call(
            session=session,
            actor="test",
            call_in=CallIn.model_validate(
                {
                    "telemarketer_name": "Claire",
                    "seller": "acme",
                    "subject": "windows",
                    "consumer_or_business": "consumer",
                    "outbound": True,
                    "prerecorded": False,
                    "calling_number": "+12077840100",
                    "called_number": CALLED,
                    "started_at": "2026-07-06T10:00:00Z",
                    "duration_seconds": 60,
                    "caller_id_number": "+12077840100",
                    "disposition": "answered_person",
                }
            ),
        )


@pytest.mark.parametrize("phone", [HELD, CONSENTED, BOUGHT_FROM, ASKED_FROM, CALLED, UNKNOWN])
def test_the_question_before_the_facts_never_hides_one(
    world: World, phone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_facts(world)
    with world.rt.db.transaction(read_only=True) as session:
        seller_id = resolve_seller(session=session, ref="acme").id
        quick = queries.phone_facts(
            session=session, seller_id=seller_id, subject="windows", at=AT, phones=[phone]
        )
        monkeypatch.setattr(queries, "_FEW", 0)  # the long way: read every kind of fact
        full = queries.phone_facts(
            session=session, seller_id=seller_id, subject="windows", at=AT, phones=[phone]
        )
    assert quick == full
    assert (phone in quick) == (phone != UNKNOWN)


def test_a_call_amended_counts_alike_for_one_number_and_for_several(world: World) -> None:
    _seed_facts(world)
    with world.rt.db.transaction() as session:
        call_id = session.scalars(select(Call.id).where(Call.called_number == CALLED)).one()
        amendments.amend(
            session=session,
            actor="test",
            target_type="calls",
            target_id=call_id,
            changes={"subject": "doors"},
            reason="the agent picked the wrong campaign",
        )
    with world.rt.db.transaction(read_only=True) as session:
        seller_id = resolve_seller(session=session, ref="acme").id
        one = queries.phone_facts(
            session=session, seller_id=seller_id, subject="windows", at=AT, phones=[CALLED]
        )
        several = queries.phone_facts(
            session=session,
            seller_id=seller_id,
            subject="windows",
            at=AT,
            phones=[CALLED, UNKNOWN],
        )
    assert one[CALLED] == several[CALLED]
    assert (one[CALLED].calls_24h, one[CALLED].completed_calls_8h) == (0, 1)
