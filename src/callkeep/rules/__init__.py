"""Calling rules as cited data: federal and state windows, days, holidays, caps, automated dialing."""
