"""Compliance reports and regulator production packages."""
