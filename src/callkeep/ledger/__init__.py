"""The append-only, hash-chained ledger over every record callkeep keeps."""
