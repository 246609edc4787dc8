"""Scheduling: care contacts — booked with a mode, delivered, and their outcome in MHSDS terms.

Owns `Contact`. Reaches people only through `caremode.people`'s access functions.
"""
