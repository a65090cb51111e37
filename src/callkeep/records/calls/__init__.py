"""Call records (16 CFR 310.5(a)(2)): what makes one valid, how it is written (one by one, in
concurrent group commits, in batches) and read, and the look-ups a call needs.

`service.py` writes and reads calls; `validation.py` is the one rule a call record meets;
`group_commit.py` and `batches.py` are the fast ways in; `posted.py` reads a posted call off the
request; `requirements.py` is what the OpenAPI document says a call requires; `lookups.py` holds
the prepared look-ups (employee, referenced records, earlier copies).
"""
