"""Phone numbers: parsing to E.164, NANP validity, and where a number may ring."""
