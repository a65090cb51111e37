"""The README.txt of a production package: what every file and every field holds."""

from __future__ import annotations

FILES = {
    "calls.csv": "Each telemarketing call (16 CFR 310.5(a)(2)) as it was first recorded.",
    "decisions.csv": "The pre-call decisions the calls name (and, for one number, every decision "
    "about it): the evidence of the process that prevents calls (310.4(b)(3)(iv)).",
    "dnc_requests.csv": "Entity-specific Do-Not-Call requests (310.5(a)(10)) with their deadline "
    "(47 CFR 64.1200(d)(3)) and when each was honored.",
    "consents.csv": "Records of consent (310.5(a)(8)), the request as it was presented included.",
    "consent_revocations.csv": "Consents withdrawn, and how (47 CFR 64.1200(a)(10)).",
    "purchases.csv": "The purchases behind each established business relationship a decision "
    "relied on (310.5(a)(4); 310.2(q)(1)).",
    "inquiries.csv": "The inquiries behind each inquiry-based business relationship a decision "
    "relied on (310.5(a)(5); 310.2(q)(2)).",
    "sellers.csv": "The sellers the calls were made for.",
    "campaigns.csv": "The campaigns of the calls, with their caller ID and its authorization "
    "(310.5(a)(2)(ix)).",
    "employees.csv": "The employees who placed the calls (310.5(a)(7)).",
    "employee_fictitious_names.csv": "The fictitious names those employees used, each traceable "
    "to one employee (310.5(a)(7)).",
    "campaign_documents.csv": "The scripts and prerecorded messages the calls used, each version "
    "as it was (310.5(a)(1)).",
    "service_contracts.csv": "Contracts with service providers that delivered outbound calls "
    "(310.5(a)(9)).",
    "procedures.csv": "Every version of the written compliance procedures (310.4(b)(3)(i), "
    "310.5(d)(1)).",
    "trainings.csv": "Who was trained in which version of which procedure, and when "
    "(310.4(b)(3)(ii), 310.5(d)(2)).",
    "list_versions.csv": "Every version of every Do-Not-Call list obtained, with its date "
    "(310.5(a)(11) for the national registry).",
    "amendments.csv": "Corrections of the records above: the record corrected, the changes, the "
    "reason and who made them. A record is never overwritten.",
    "records.jsonl": "One line per record above: entity_type, entity_id, content (the record's "
    "fields, the bytes the ledger digests), ledger (its newest ledger entry: seq, at, actor, "
    "action, digest, prev_hash, hash) and proof (the entry's RFC 6962 inclusion proof, hex, from "
    "the leaf upwards).",
    "checkpoint.json": "The ledger when the package was made: size (entries), root (RFC 6962 "
    "Merkle tree hash over the entries' hashes, hex), head_hash, made_at, key (the verifier key "
    "that signed checkpoint.txt).",
    "checkpoint.txt": "The same checkpoint as a C2SP signed note (origin, size, base64 root, a "
    "blank line, an Ed25519 signature line) signed by the installation's checkpoint key; "
    "`callkeep audit verify --checkpoint checkpoint.txt` proves the ledger still holds it.",
    "manifest.json": "The filters, counts per section, the checkpoint, and the SHA-256 of every "
    "other file.",
    "verify.py": "The verifier: Python 3 standard library only.",
    "README.txt": "This file.",
}

FIELDS = {
    "id": "the record's identifier",
    "recorded_at": "when callkeep recorded it (UTC)",
    "recorded_by": "who recorded it (user, token or process)",
    "seller_id": "the seller (see sellers.csv)",
    "campaign_id": "the campaign (see campaigns.csv)",
    "employee_id": "the employee (see employees.csv)",
    "contact_id": "the contact the record is about",
    "telemarketer_name": "the telemarketer that placed or received the call, if not an employee",
    "subject": "the goods, services or charitable purpose",
    "consumer_or_business": "whether the call was to a consumer or a business",
    "outbound": "whether the call was outbound",
    "prerecorded": "whether it used a prerecorded message",
    "manual_dial": "whether a person dialed the single number by hand (310.5(a)(2) proviso)",
    "calling_number": "the calling number (E.164)",
    "called_number": "the called number (E.164)",
    "started_at": "when the call started (UTC, to the second)",
    "duration_seconds": "the call's duration in seconds",
    "script_version_id": "the script version used (see campaign_documents.csv)",
    "message_version_id": "the prerecorded message version used (see campaign_documents.csv)",
    "caller_id_number": "the caller-ID number transmitted (E.164)",
    "caller_id_name": "the caller-ID name transmitted",
    "disposition": "answered_person, answering_machine, no_answer, busy, dropped or transferred",
    "transfer_to": "the number or IP address a transferred call went to",
    "transfer_company": "the company it was transferred to, if another",
    "decision_id": "the pre-call decision that allowed the call (see decisions.csv)",
    "phone": "a telephone number (E.164)",
    "at": "the moment (UTC)",
    "allowed": "whether the decision allowed the call",
    "reasons": "the blocking reasons, with their citations (JSON)",
    "received_at": "when the request was received (UTC)",
    "deadline": "the last day to honor it (ten business days)",
    "honored_at": "when it was put on the seller's list (UTC)",
    "given_at": "when consent was given (UTC)",
    "target_type": "the kind of record corrected",
    "target_id": "the record corrected",
    "changes": "the fields changed and their new values (JSON)",
    "reason": "why",
    "external_call_id": "the dialer's own id for the call",
    "idempotency_key": "the key the client sent so a retried post is not a second call",
    "notes": "free-text notes",
    "outcome": "the call's outcome in the business's words",
    "recording_ref": "where the call's recording is kept",
    "name": "a name",
    "slug": "the short name used on the command line and in the API",
    "goods": "the goods or services",
    "expires_at": "when it expires (UTC)",
    "purpose": "the goods, services or purpose it concerns",
    "channel": "how it came in (web, phone, email, text, letter, agent, ...)",
    "evidence": "the message, email or notes it came with",
    "content": "the full text, as it was",
    "version": "its version number (1, 2, ...)",
    "kind": "its kind",
    "seller_slug": "the seller's short name",
    "campaign_slug": "the campaign's short name",
}

BY_FILE: dict[str, dict[str, str]] = {
    "calls.csv": {"notes": "free-text notes about the call"},
    "campaigns.csv": {
        "dialing_mode": "manual, predictive or prerecorded",
        "caller_id_authorization": "the proof that the caller ID may be used (310.5(a)(2)(ix))",
        "caller_id_authorized_from": "start of the period that authorization covers (UTC)",
        "caller_id_authorized_to": "end of that period (UTC)",
    },
    "campaign_documents.csv": {
        "kind": "script or prerecorded_message",
        "name": "the document's name within the campaign",
        "content_type": "the content's media type",
    },
    "decisions.csv": {
        "input": "the number as the dialer sent it",
        "states": "the states the number may be in",
        "local_times": "the local time in each candidate zone (JSON)",
        "lists": "each list consulted, its version, and whether the number was on it (JSON)",
        "exemptions": "what lifted a registry block: written_consent, ebr_purchase, ebr_inquiry",
        "rules_version": "the version of the calling rules applied",
        "batch_id": "the batch the decision was made in, if any",
    },
    "dnc_requests.csv": {
        "name": "the person's name, if given",
        "email": "the person's email, if given",
        "other_phones": "further numbers named in the same request (E.164, space separated)",
        "telemarketer_employee_id": "the employee that called the person (310.5(a)(10))",
        "telemarketer_name": "the telemarketer that called the person, if not an employee",
        "call_id": "the call the request was made on",
        "matched_wording": "the words that made an inbound message a request",
        "confirmation_code": "the code handed to the person",
        "honored_in_time": "whether it was honored by its deadline",
        "entity_entry_id": "its entry on the seller's entity-specific list",
        "revocation_ids": "the consents it revoked",
        "retain_until": "the day it may be purged (5 years)",
    },
    "consents.csv": {
        "name": "the name of the person consenting",
        "request_text": "the request for consent, as it was presented (310.5(a)(8)(ii))",
        "request_format": "the media type of that request",
        "purpose": "what the consent was asked and given for",
        "consent_text": "a copy of the consent given",
        "kind": "written or express",
        "signature": "the person's signature, where the rule asks for one",
    },
    "consent_revocations.csv": {
        "consent_id": "the consent revoked",
        "channel": "how it was revoked",
        "reference": "the reference of the message that revoked it",
        "revoked_at": "from when the consent no longer counts (UTC)",
    },
    "purchases.csv": {
        "purchased_at": "the date of purchase (UTC)",
        "shipped_at": "when the goods were shipped or provided (UTC)",
        "amount_cents": "the amount paid, in cents",
    },
    "inquiries.csv": {"inquired_at": "the date of the inquiry or application (UTC)"},
    "sellers.csv": {
        "name": "the seller's name",
        "address": "the seller's address",
        "screen_litigators": "whether the seller's checks block the litigator list",
        "is_default": "whether it is the default seller",
    },
    "employees.csv": {
        "name": "the employee's name",
        "home_address": "last known home address",
        "job_titles": "job titles held (JSON list)",
    },
    "employee_fictitious_names.csv": {
        "name": "a name the employee used on calls",
        "name_key": "that name case-folded, unique to one employee",
    },
    "service_contracts.csv": {
        "provider": "the service provider",
        "signed_at": "the date the contract was signed (UTC)",
        "effective_from": "start of the period it is in effect (UTC)",
        "expires_at": "end of that period (UTC; empty: open-ended)",
        "document": "the contract's text",
    },
    "procedures.csv": {
        "title": "the procedure's title",
        "content": "the procedure's text",
        "effective_at": "from when this version is in force (UTC)",
    },
    "trainings.csv": {
        "procedure_id": "the procedure version trained in (see procedures.csv)",
        "trainee": "who was trained (a person or an assisting entity)",
        "trained_at": "when (UTC)",
        "trainer": "who trained them",
    },
    "list_versions.csv": {
        "list_name": "the list: national, state:XX, entity:SELLER, litigator, wireless",
        "seq": "the version's number within its list",
        "label": "the version's label",
        "as_of": "the date the list was obtained",
        "change": "whether it was loaded from a change list",
        "storage": "snapshot (every number) or delta (changes from a snapshot)",
        "base_version_id": "the snapshot a delta applies to",
        "file_name": "the snapshot file callkeep keeps",
        "file_sha256": "that file's SHA-256",
        "source_name": "the file imported",
        "source_sha256": "its SHA-256",
        "size": "numbers on the list",
        "added": "numbers added by this version",
        "removed": "numbers removed by this version",
        "removed_absent": "removals of numbers that were not on the list",
        "unreadable": "lines that could not be read",
        "coverage": "the area codes it covers, with their dates (JSON)",
        "accessed_by": "who obtained the registry (310.5(a)(11)(i))",
        "accessed_on": "the date it was accessed (310.5(a)(11)(ii))",
        "san": "the subscription account number used (310.5(a)(11)(iii))",
        "campaigns": "the campaigns it was obtained for (310.5(a)(11)(iv))",
    },
}


def describe(file_name: str, column: str) -> str:
    """What one field of one file holds."""
    found = BY_FILE.get(file_name, {}).get(column) or FIELDS.get(column)
    return found or f"the record's {column.replace('_', ' ')}"


def text(columns: dict[str, list[str]], counts: dict[str, int]) -> str:
    """The README for a package with these CSV columns and section counts."""
    lines = [
        "callkeep production package",
        "===========================",
        "",
        "Records kept under 16 CFR 310.5 and 47 CFR 64.1200, produced on request. Every record",
        "is proven against callkeep's hash-chained ledger: run `python3 verify.py` in this",
        "folder (or `python3 verify.py PACKAGE.zip`). It exits 0 when the package is intact and",
        "1, naming the file, when anything was altered. It needs Python 3 and nothing else.",
        "",
        "Times are UTC to the second (YYYY-MM-DDTHH:MM:SSZ); numbers are E.164. CSV cells that",
        "a spreadsheet would run as a formula start with a single quote ('), which is not part",
        "of the value. The CSVs show each record as first recorded; amendments.csv holds every",
        "correction. Personal data is in the clear: keep this package confidential.",
        "",
        "How the proofs work: for every line of records.jsonl, SHA-256 of the canonical JSON of",
        "`content` (sorted keys, no spaces, UTF-8) equals `ledger.digest`; SHA-256 of the",
        "canonical JSON of the entry's fields (seq, at, actor, action, entity_type, entity_id,",
        "digest, prev_hash) equals `ledger.hash`; and `proof` shows that hash as leaf seq - 1 of",
        "the RFC 6962 tree whose size and root are in checkpoint.json.",
        "",
        "The checkpoint is signed: checkpoint.txt carries an Ed25519 signature over that size",
        "and root. Ask the sender for their checkpoint verifier key by another channel (they",
        "print it with `callkeep audit checkpoint --public-key`) and run",
        "`python3 verify.py PACKAGE.zip --public-key KEY`; without it, the key named in",
        "checkpoint.json is used, which proves the package is whole but not who made it. Later,",
        "`callkeep export consistency PACKAGE.zip --out newer.json` gives a newer signed",
        "checkpoint and the RFC 6962 consistency proof that this package's ledger is its prefix:",
        "`python3 verify.py PACKAGE.zip --public-key KEY --newer newer.json` checks both.",
        "",
        "Files",
        "-----",
    ]
    for name, about in FILES.items():
        section = name.removesuffix(".csv")
        count = (
            f" ({counts[section]} records)" if name.endswith(".csv") and section in counts else ""
        )
        lines.append(f"{name}{count}: {about}")
        for column in columns.get(name, []):
            lines.append(f"    {column}: {describe(name, column)}")
    lines.append("")
    lines.append("callkeep is not legal advice.")
    return "\n".join(lines) + "\n"
