"""Accounts: who signs in, with which role. Owns `User`; knows nothing of clinical data."""
