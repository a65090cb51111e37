"""Plumbing shared by every domain: database, time, ids, encryption, canonical content."""
