"""The records the law asks for: sellers, campaigns, people, calls, consents (16 CFR 310.5)."""
