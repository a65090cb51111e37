"""callkeep: call records and Do-Not-Call compliance that prove themselves."""

__version__ = "0.1.0"
