"""Backups: a portable, hashed, signed copy of the database and the list snapshots."""
