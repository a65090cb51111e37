"""The records domain's front door: what every other domain may use of the records.

Other domains import this module alone (`from callkeep.records import service as records`);
`tests/test_architecture.py` fails on any other import of `callkeep.records`. What is here is
named for what it does, whichever module of the domain does it:

* the parties: sellers, campaigns and their documents, employees, contacts (their own front
  door is `records/parties/service.py`);
* calls: writing and reading them, the rule a call record must meet;
* the facts other domains decide on (a number's contacts, consents, purchases, calls);
* corrections (amendments) and a person's timeline;
* the calls in aggregate (trends) and the daily roll-ups behind them;
* the tables, for the domains that must build SQL over them (reports, the dialer's bulk path).

Each name is imported from its module when it is first used, so a command that reads a few of
the records (a check) does not pay for loading the rest; every name is importable as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callkeep.records.amendments import amendments_for, apply_changes, current_views
    from callkeep.records.call_pages import Position as CallPosition
    from callkeep.records.call_pages import call_page
    from callkeep.records.calls.lookups import employee_id_for
    from callkeep.records.calls.plain_input import plain_call_fields
    from callkeep.records.calls.service import call_out, get_call
    from callkeep.records.calls.validation import check_view as check_call_view
    from callkeep.records.calls.validation import resolved_fields_row as checked_fields_row
    from callkeep.records.demo import seed_if_empty as seed_demo_if_empty
    from callkeep.records.fact_sources import phones_with_records
    from callkeep.records.models import (
        Amendment,
        Call,
        Consent,
        ConsentRevocation,
        Inquiry,
        Interaction,
        Purchase,
    )
    from callkeep.records.parties.service import (
        DEFAULT_SELLER_SLUG,
        Campaign,
        CampaignDocument,
        CampaignOut,
        Directory,
        Employee,
        FictitiousName,
        Preferences,
        Seller,
        SellerOut,
        amend_contact,
        campaign_row,
        default_unnamed,
        directory,
        ensure_default_seller,
        get_contact,
        list_campaigns,
        list_documents,
        list_sellers,
        search_contacts,
        seller_view,
    )
    from callkeep.records.queries import PhoneFacts, phone_facts
    from callkeep.records.references import (
        CampaignView,
        EmployeeView,
        SellerView,
        contact_ids_for_phone,
        phone_of_call,
        resolve_campaign,
        resolve_employee,
        resolve_seller,
        revoke_consents,
        seller_for_phone,
    )
    from callkeep.records.rollups import refresh as refresh_rollups
    from callkeep.records.schemas import CallIn
    from callkeep.records.timeline import contact_timeline
    from callkeep.records.trends import (
        ABANDONMENT_LIMIT,
        CallFilter,
        abandonment,
        answer_rate_by_local_hour,
        calls_by_day,
        outcomes,
    )
    from callkeep.records.worked import contacts_worked, worked_numbers

# each name: the module that holds it (under callkeep.records) and its name there
_WHERE: dict[str, tuple[str, str]] = {
    "amendments_for": ("amendments", "amendments_for"),
    "apply_changes": ("amendments", "apply_changes"),
    "current_views": ("amendments", "current_views"),
    "CallPosition": ("call_pages", "Position"),
    "call_page": ("call_pages", "call_page"),
    "employee_id_for": ("calls.lookups", "employee_id_for"),
    "call_out": ("calls.service", "call_out"),
    "get_call": ("calls.service", "get_call"),
    "check_call_view": ("calls.validation", "check_view"),
    "checked_fields_row": ("calls.validation", "resolved_fields_row"),
    "plain_call_fields": ("calls.plain_input", "plain_call_fields"),
    "seed_demo_if_empty": ("demo", "seed_if_empty"),
    "Amendment": ("models", "Amendment"),
    "Call": ("models", "Call"),
    "Consent": ("models", "Consent"),
    "ConsentRevocation": ("models", "ConsentRevocation"),
    "Inquiry": ("models", "Inquiry"),
    "Interaction": ("models", "Interaction"),
    "Purchase": ("models", "Purchase"),
    "DEFAULT_SELLER_SLUG": ("parties.models", "DEFAULT_SELLER_SLUG"),
    "Campaign": ("parties.models", "Campaign"),
    "CampaignDocument": ("parties.models", "CampaignDocument"),
    "CampaignOut": ("parties.schemas", "CampaignOut"),
    "Directory": ("parties.directory", "Directory"),
    "Employee": ("parties.models", "Employee"),
    "FictitiousName": ("parties.models", "FictitiousName"),
    "Preferences": ("parties.schemas", "Preferences"),
    "Seller": ("parties.models", "Seller"),
    "SellerOut": ("parties.schemas", "SellerOut"),
    "amend_contact": ("parties.people", "amend_contact"),
    "campaign_row": ("parties.sellers", "campaign_row"),
    "default_unnamed": ("parties.sellers", "default_unnamed"),
    "directory": ("parties.directory", "directory"),
    "ensure_default_seller": ("parties.sellers", "ensure_default_seller"),
    "get_contact": ("parties.people", "get_contact"),
    "list_campaigns": ("parties.sellers", "list_campaigns"),
    "list_documents": ("parties.sellers", "list_documents"),
    "list_sellers": ("parties.sellers", "list_sellers"),
    "search_contacts": ("parties.people", "search_contacts"),
    "seller_view": ("parties.sellers", "seller_view"),
    "PhoneFacts": ("queries", "PhoneFacts"),
    "phone_facts": ("queries", "phone_facts"),
    "CampaignView": ("references", "CampaignView"),
    "EmployeeView": ("references", "EmployeeView"),
    "SellerView": ("references", "SellerView"),
    "contact_ids_for_phone": ("references", "contact_ids_for_phone"),
    "phone_of_call": ("references", "phone_of_call"),
    "resolve_campaign": ("references", "resolve_campaign"),
    "resolve_employee": ("references", "resolve_employee"),
    "resolve_seller": ("references", "resolve_seller"),
    "revoke_consents": ("references", "revoke_consents"),
    "seller_for_phone": ("references", "seller_for_phone"),
    "refresh_rollups": ("rollups", "refresh"),
    "CallIn": ("schemas", "CallIn"),
    "contact_timeline": ("timeline", "contact_timeline"),
    "ABANDONMENT_LIMIT": ("trends", "ABANDONMENT_LIMIT"),
    "CallFilter": ("trends", "CallFilter"),
    "abandonment": ("trends", "abandonment"),
    "answer_rate_by_local_hour": ("trends", "answer_rate_by_local_hour"),
    "calls_by_day": ("trends", "calls_by_day"),
    "outcomes": ("trends", "outcomes"),
    "contacts_worked": ("worked", "contacts_worked"),
    "worked_numbers": ("worked", "worked_numbers"),
    "phones_with_records": ("fact_sources", "phones_with_records"),
}

__all__ = [
    "ABANDONMENT_LIMIT",
    "DEFAULT_SELLER_SLUG",
    "Amendment",
    "Call",
    "CallFilter",
    "CallIn",
    "CallPosition",
    "Campaign",
    "CampaignDocument",
    "CampaignOut",
    "CampaignView",
    "Consent",
    "ConsentRevocation",
    "Directory",
    "Employee",
    "EmployeeView",
    "FictitiousName",
    "Inquiry",
    "Interaction",
    "PhoneFacts",
    "Preferences",
    "Purchase",
    "Seller",
    "SellerOut",
    "SellerView",
    "abandonment",
    "amend_contact",
    "amendments_for",
    "answer_rate_by_local_hour",
    "apply_changes",
    "call_out",
    "call_page",
    "calls_by_day",
    "campaign_row",
    "check_call_view",
    "checked_fields_row",
    "contact_ids_for_phone",
    "contact_timeline",
    "contacts_worked",
    "current_views",
    "default_unnamed",
    "directory",
    "employee_id_for",
    "ensure_default_seller",
    "get_call",
    "get_contact",
    "list_campaigns",
    "list_documents",
    "list_sellers",
    "outcomes",
    "phone_facts",
    "phone_of_call",
    "phones_with_records",
    "plain_call_fields",
    "refresh_rollups",
    "resolve_campaign",
    "resolve_employee",
    "resolve_seller",
    "revoke_consents",
    "search_contacts",
    "seed_demo_if_empty",
    "seller_for_phone",
    "seller_view",
    "worked_numbers",
]


if not TYPE_CHECKING:  # to the type checker the names are the imports above, nothing else

    def __getattr__(name: str) -> Any:
        """Imports the module holding `name` the first time it is asked for, and keeps the value."""
        try:
            module, attribute = _WHERE[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"callkeep.records.{module}"), attribute)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
