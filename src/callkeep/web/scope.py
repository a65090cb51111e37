"""What a signed-in user may see, and the filters a page was asked for: seller, campaign,
period. Supervisors are held to their assigned sellers and campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from callkeep.auth.roles import Role
from callkeep.auth.sessions import StaffUser
from callkeep.errors import InvalidInput
from callkeep.kit.clock import utcnow
from callkeep.records import service as records

DEFAULT_DAYS = 30
MAX_DAYS = 400


@dataclass(frozen=True)
class Scope:
    """The page's filters, already narrowed to what the user may see."""

    first: date
    last: date
    seller: str  # the slug chosen, "" for all the user may see
    campaign: str
    sellers: list[records.SellerOut]
    campaigns: list[records.CampaignOut]
    seller_ids: frozenset[str] | None  # None: every seller
    campaign_ids: frozenset[str] | None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def calls(self) -> records.CallFilter:
        return records.CallFilter(
            since=self.since,
            until=self.until,
            seller_ids=self.seller_ids,
            campaign_ids=self.campaign_ids,
        )

    def query(self, **extra: str) -> dict[str, str]:
        """The filters as query parameters (for links and CSV downloads)."""
        found = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.seller:
            found["seller"] = self.seller
        if self.campaign:
            found["campaign"] = self.campaign
        return found | extra


def _day(text: str | None, default: date, field: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.for_field(field, f"{text!r} is not a date like 2026-11-30") from None


def may_see_call(user: StaffUser, *, seller_id: str, campaign_id: str | None) -> bool:
    """Whether a user may see a call of this seller and campaign (a supervisor: one of their
    sellers, or one of their campaigns)."""
    if user.principal.role is not Role.SUPERVISOR:
        return True
    return seller_id in user.seller_ids or (
        campaign_id is not None and campaign_id in user.campaign_ids
    )


def resolve(
    *,
    session: Session,
    user: StaffUser,
    seller: str | None = None,
    campaign: str | None = None,
    first: str | None = None,
    last: str | None = None,
    default_days: int = DEFAULT_DAYS,
) -> Scope:
    """The filters asked for, checked and narrowed to the user's sellers and campaigns."""
    today = utcnow().date()
    last_day = _day(last, today, "to")
    first_day = _day(first, last_day - timedelta(days=default_days - 1), "from")
    if first_day > last_day:
        raise InvalidInput.for_field("from", "the period starts after it ends")
    if (last_day - first_day).days >= MAX_DAYS:
        raise InvalidInput.for_field("from", f"choose at most {MAX_DAYS} days")
    supervised = user.principal.role is Role.SUPERVISOR
    all_sellers = records.list_sellers(session=session)
    campaigns_all = records.list_campaigns(session=session, seller_id=None)
    if supervised:
        by_campaign = {c.id: c for c in campaigns_all if c.id in user.campaign_ids}
        seller_ok = user.seller_ids | {c.seller_id for c in by_campaign.values()}
        all_sellers = [s for s in all_sellers if s.id in seller_ok]
        campaigns_all = [
            c for c in campaigns_all if c.seller_id in user.seller_ids or c.id in by_campaign
        ]
    chosen_seller = next((s for s in all_sellers if seller and seller in (s.slug, s.id)), None)
    if seller and chosen_seller is None:
        raise InvalidInput.for_field("seller", f"no seller {seller!r} you may see")
    campaigns = [
        c for c in campaigns_all if chosen_seller is None or c.seller_id == chosen_seller.id
    ]
    chosen_campaign = next((c for c in campaigns if campaign and campaign in (c.slug, c.id)), None)
    if campaign and chosen_campaign is None:
        raise InvalidInput.for_field("campaign", f"no campaign {campaign!r} you may see")
    seller_ids: frozenset[str] | None = None
    campaign_ids: frozenset[str] | None = None
    if chosen_seller is not None:
        seller_ids = frozenset({chosen_seller.id})
    elif supervised:
        seller_ids = frozenset(s.id for s in all_sellers)
    if chosen_campaign is not None:
        campaign_ids = frozenset({chosen_campaign.id})
    elif supervised:
        partial = {s for s in (seller_ids or set()) if s not in user.seller_ids}
        if partial:  # sellers seen only through some of their campaigns
            full = seller_ids - partial if seller_ids else frozenset()
            campaign_ids = frozenset(
                c.id for c in campaigns_all if c.seller_id in full or c.id in user.campaign_ids
            )
    return Scope(
        first=first_day,
        last=last_day,
        seller=chosen_seller.slug if chosen_seller else "",
        campaign=chosen_campaign.slug if chosen_campaign else "",
        sellers=all_sellers,
        campaigns=campaigns,
        seller_ids=seller_ids,
        campaign_ids=campaign_ids,
    )
