"""Decisions: which mode for which kind of contact — transparent rules that explain themselves,
and shared decision records agreed with the person, superseded (never overwritten) and reviewed.
"""
