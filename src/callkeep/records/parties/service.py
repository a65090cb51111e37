"""The parties' front door: sellers, campaigns and their documents, employees, contacts.

What the rest of the records domain, and through `records/service.py` every other domain, uses
of the parties, named for what it does. Writes go through the ledger; a correction is an
amendment (`records/amendments.py`); services never commit.
"""

from __future__ import annotations

from callkeep.records.parties.directory import Directory, directory
from callkeep.records.parties.models import (
    Campaign,
    CampaignDocument,
    Contact,
    Employee,
    FictitiousName,
    Seller,
)
from callkeep.records.parties.people import (
    add_fictitious_name,
    amend_contact,
    contact_ids_for,
    create_contact,
    create_employee,
    find_employee,
    get_contact,
    get_employee,
    list_employees,
    search_contacts,
)
from callkeep.records.parties.schemas import (
    CampaignIn,
    CampaignOut,
    ContactIn,
    ContactOut,
    EmployeeIn,
    EmployeeOut,
    Preferences,
    SellerIn,
    SellerOut,
)
from callkeep.records.parties.sellers import DEFAULT_SLUG as DEFAULT_SELLER_SLUG
from callkeep.records.parties.sellers import (
    add_document,
    campaign_row,
    create_campaign,
    create_seller,
    default_unnamed,
    ensure_default_seller,
    list_campaigns,
    list_documents,
    list_sellers,
    rename_seller,
    seller_view,
)

__all__ = [
    "DEFAULT_SELLER_SLUG",
    "Campaign",
    "CampaignDocument",
    "CampaignIn",
    "CampaignOut",
    "Contact",
    "ContactIn",
    "ContactOut",
    "Directory",
    "Employee",
    "EmployeeIn",
    "EmployeeOut",
    "FictitiousName",
    "Preferences",
    "Seller",
    "SellerIn",
    "SellerOut",
    "add_document",
    "add_fictitious_name",
    "amend_contact",
    "campaign_row",
    "contact_ids_for",
    "create_campaign",
    "create_contact",
    "create_employee",
    "create_seller",
    "default_unnamed",
    "directory",
    "ensure_default_seller",
    "find_employee",
    "get_contact",
    "get_employee",
    "list_campaigns",
    "list_documents",
    "list_employees",
    "list_sellers",
    "rename_seller",
    "search_contacts",
    "seller_view",
]
