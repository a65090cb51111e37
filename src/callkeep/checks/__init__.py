"""The pre-call decision: lists, rules, consents and history give allowed or blocked, with reasons."""
