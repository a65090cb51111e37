"""The roles a user or token may hold, and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users, tokens and keys
    COMPLIANCE = "compliance"  # lists, scrubs, reports, exports, audit
    AGENT = "agent"  # contacts, interactions, consumer requests, checks
    DIALER = "dialer"  # checks and call records only
    AUDITOR = "auditor"  # reads and verifies, writes nothing


ALL = frozenset(Role)
STAFF_WRITE = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT})
RECORD_CALLS = frozenset({Role.ADMIN, Role.COMPLIANCE, Role.AGENT, Role.DIALER})
COMPLIANCE = frozenset({Role.ADMIN, Role.COMPLIANCE})
READ = ALL
