"""Voices: feedback after contacts, coded into themes, and carers' input to assessments."""
