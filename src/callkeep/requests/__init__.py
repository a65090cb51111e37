"""Consumers' Do-Not-Call requests and consent revocations, from every channel."""
