"""Audit: the append-only, hash-chained record of who read or changed personal data.

Services call `record_event` explicitly (no signals); nothing here knows clinical rules.
"""
