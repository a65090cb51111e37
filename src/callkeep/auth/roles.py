"""The roles a user or token may hold, and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users, tokens and keys
    COMPLIANCE = "compliance"  # lists, scrubs, reports, exports, audit, retention
    SUPERVISOR = "supervisor"  # the campaigns, contacts and calls of the sellers assigned to them
    AGENT = "agent"  # contacts, interactions, consumer requests, checks
    DIALER = "dialer"  # tokens only: checks and call records, nothing personal read
    AUDITOR = "auditor"  # reads and verifies, writes nothing


ALL = frozenset(Role)
STAFF_WRITE = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT})
RECORD_CALLS = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT, Role.DIALER})
COMPLIANCE = frozenset({Role.ADMIN, Role.COMPLIANCE})
# Reads over the API. Not the dialer (it reads nothing personal), not the supervisor (the API's
# reads are not scoped to a seller; supervisors read their sellers' records in the staff app).
READ = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT, Role.AUDITOR})
ADMIN = frozenset({Role.ADMIN})
# Roles a person signs in with; `dialer` exists only as a token.
USER_ROLES = frozenset(ALL - {Role.DIALER})
