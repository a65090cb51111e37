"""Sellers, their campaigns, and the campaigns' versioned scripts and prerecorded messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.errors import Conflict, InvalidInput, NotFound
from callkeep.kit.clock import to_utc_second
from callkeep.ledger import service as ledger
from callkeep.phone.parse import normalize
from callkeep.records import amendments
from callkeep.records import models as rm
from callkeep.records.parties import models as m
from callkeep.records.parties.schemas import (
    CampaignIn,
    CampaignOut,
    DocumentIn,
    DocumentOut,
    SellerIn,
    SellerOut,
)


def _seller_views(session: Session) -> list[dict[str, Any]]:
    rows = list(session.scalars(select(m.Seller).order_by(m.Seller.recorded_at, m.Seller.id)))
    views = {row.id: amendments.view_of(row) for row in rows}
    amendments.current_views(session=session, target_type="sellers", views=views)
    return [views[row.id] for row in rows]


def seller_view(*, session: Session, ref: str | None) -> dict[str, Any]:
    """The current view of the seller named by id or slug; None names the default seller.

    The default is the seller marked default (the latest marked, if several), else the oldest.
    """
    if ref is None or not ref.strip():
        views = _seller_views(session)
        if not views:
            raise InvalidInput.for_field(
                "seller",
                "no seller is set up: 'callkeep db upgrade' records the default seller",
            )
        marked = [v for v in views if v["is_default"]]
        return marked[-1] if marked else views[0]
    ref = ref.strip()
    row = session.scalars(
        select(m.Seller).where(or_(m.Seller.id == ref, m.Seller.slug == ref.lower()))
    ).first()
    if row is None:
        raise InvalidInput.for_field("seller", f"no seller {ref!r}")
    return amendments.current(session=session, record=row)


DEFAULT_SLUG = m.DEFAULT_SELLER_SLUG
DEFAULT_NAME = "My business"


def ensure_default_seller(*, session: Session, actor: str) -> bool:
    """Records the default seller (slug `default`, "My business") unless it exists; returns
    whether it did. Another process recording it at the same moment is not an error."""
    if session.scalar(select(m.Seller.id).where(m.Seller.slug == DEFAULT_SLUG)) is not None:
        return False
    seller = m.Seller(
        name=DEFAULT_NAME,
        slug=DEFAULT_SLUG,
        screen_litigators=False,
        is_default=False,
        recorded_by=actor,
    )
    try:
        with session.begin_nested():
            ledger.record(session=session, actor=actor, entity=seller)
    except IntegrityError:
        return False
    return True


def default_unnamed(*, session: Session) -> bool:
    """Whether the seller used when none is named is still the unnamed default."""
    try:
        view = seller_view(session=session, ref=None)
    except InvalidInput:
        return False
    return bool(view["slug"] == DEFAULT_SLUG and view["name"] == DEFAULT_NAME)


def rename_seller(*, session: Session, actor: str, ref: str, name: str) -> dict[str, Any]:
    """Gives a seller a new name, as an amendment of its record; returns the amended view."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput.for_field("name", "give a name of 1 to 200 characters")
    view = seller_view(session=session, ref=ref)
    if view["name"] == name:
        return view
    amendments.amend(
        session=session,
        actor=actor,
        target_type="sellers",
        target_id=str(view["id"]),
        changes={"name": name},
        reason="renamed by the operator",
    )
    return seller_view(session=session, ref=str(view["id"]))


def seller_out(view: dict[str, Any]) -> SellerOut:
    """A seller view as the API shows it."""
    return SellerOut.model_validate(view)


def create_seller(*, session: Session, actor: str, seller_in: SellerIn) -> m.Seller:
    """Records a seller; a slug already used is a conflict."""
    phone = normalize(seller_in.phone, field="phone") if seller_in.phone else None
    if session.scalar(select(m.Seller.id).where(m.Seller.slug == seller_in.slug)) is not None:
        raise Conflict(f"a seller with slug {seller_in.slug!r} exists")
    seller = m.Seller(
        name=seller_in.name,
        slug=seller_in.slug,
        address=seller_in.address,
        phone=phone,
        screen_litigators=seller_in.screen_litigators,
        is_default=seller_in.is_default,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=seller)


def list_sellers(*, session: Session) -> list[SellerOut]:
    """Every seller, oldest first, as currently amended."""
    return [seller_out(v) for v in _seller_views(session)]


# --- campaigns --------------------------------------------------------------------------


def campaign_row(*, session: Session, ref: str, seller_id: str | None) -> m.Campaign:
    """The campaign with this id, or this slug within the seller; else InvalidInput."""
    query = select(m.Campaign).where(or_(m.Campaign.id == ref, m.Campaign.slug == ref.lower()))
    if seller_id is not None:
        query = query.where(m.Campaign.seller_id == seller_id)
    row = session.scalars(query).first()
    if row is None:
        raise InvalidInput.for_field("campaign", f"no campaign {ref!r} for this seller")
    return row


def create_campaign(*, session: Session, actor: str, campaign_in: CampaignIn) -> m.Campaign:
    """Records a campaign of a seller, with its caller ID and the proof it may be used."""
    seller = seller_view(session=session, ref=campaign_in.seller)
    number = campaign_in.caller_id_number
    start = campaign_in.caller_id_authorized_from
    end = campaign_in.caller_id_authorized_to
    exists = session.scalar(
        select(m.Campaign.id).where(
            m.Campaign.seller_id == seller["id"], m.Campaign.slug == campaign_in.slug
        )
    )
    if exists is not None:
        raise Conflict(f"the seller already has a campaign {campaign_in.slug!r}")
    campaign = m.Campaign(
        seller_id=seller["id"],
        slug=campaign_in.slug,
        subject=campaign_in.subject,
        dialing_mode=campaign_in.dialing_mode,
        caller_id_number=normalize(number, field="caller_id_number") if number else None,
        caller_id_name=campaign_in.caller_id_name,
        caller_id_authorization=campaign_in.caller_id_authorization,
        caller_id_authorized_from=to_utc_second(start, field="caller_id_authorized_from")
        if start
        else None,
        caller_id_authorized_to=to_utc_second(end, field="caller_id_authorized_to")
        if end
        else None,
        recorded_by=actor,
    )
    return ledger.record(session=session, actor=actor, entity=campaign)


def campaign_out(view: dict[str, Any]) -> CampaignOut:
    """A campaign view as the API shows it."""
    return CampaignOut.model_validate(view)


def list_campaigns(*, session: Session, seller_id: str | None) -> list[CampaignOut]:
    """Campaigns, oldest first, of one seller or of all."""
    query = select(m.Campaign).order_by(m.Campaign.recorded_at, m.Campaign.id)
    if seller_id is not None:
        query = query.where(m.Campaign.seller_id == seller_id)
    rows = list(session.scalars(query))
    views = {row.id: amendments.view_of(row) for row in rows}
    amendments.current_views(session=session, target_type="campaigns", views=views)
    return [campaign_out(views[row.id]) for row in rows]


# --- scripts and prerecorded messages -----------------------------------------------------


def add_document(
    *, session: Session, actor: str, campaign_id: str, document_in: DocumentIn
) -> m.CampaignDocument:
    """Records the next version of a script or message; earlier versions stay as they were."""
    if session.get(m.Campaign, campaign_id) is None:
        raise NotFound(f"no campaign {campaign_id}")
    latest = session.scalar(
        select(func.max(m.CampaignDocument.version)).where(
            m.CampaignDocument.campaign_id == campaign_id,
            m.CampaignDocument.kind == document_in.kind,
            m.CampaignDocument.name == document_in.name,
        )
    )
    document = m.CampaignDocument(
        campaign_id=campaign_id,
        kind=document_in.kind,
        name=document_in.name,
        version=(latest or 0) + 1,
        content=document_in.content,
        content_type=document_in.content_type,
        recorded_by=actor,
    )
    try:
        with session.begin_nested():
            ledger.record(session=session, actor=actor, entity=document)
    except IntegrityError:
        raise Conflict("another version of this document was recorded at the same time") from None
    return document


def list_documents(*, session: Session, campaign_id: str) -> list[DocumentOut]:
    """Every version of every script and message of a campaign, with first and last use."""
    docs = list(
        session.scalars(
            select(m.CampaignDocument)
            .where(m.CampaignDocument.campaign_id == campaign_id)
            .order_by(m.CampaignDocument.kind, m.CampaignDocument.name, m.CampaignDocument.version)
        )
    )
    ids = [d.id for d in docs]
    used: dict[str, tuple[Any, Any]] = {}
    when = func.coalesce(rm.Call.started_at, rm.Call.recorded_at)
    for column in (rm.Call.script_version_id, rm.Call.message_version_id):
        for doc_id, first, last in session.execute(
            select(column, func.min(when), func.max(when)).where(column.in_(ids)).group_by(column)
        ):
            if doc_id is None:
                continue
            old = used.get(doc_id)
            if old is not None:
                first, last = min(first, old[0]), max(last, old[1])
            used[doc_id] = (first, last)
    out = []
    for doc in docs:
        first_last = used.get(doc.id, (None, None))
        out.append(
            DocumentOut(
                id=doc.id,
                campaign_id=doc.campaign_id,
                kind=doc.kind,
                name=doc.name,
                version=doc.version,
                content=doc.content,
                content_type=doc.content_type,
                recorded_at=doc.recorded_at,
                first_used_at=first_last[0],
                last_used_at=first_last[1],
            )
        )
    return out
