"""Messaging: SMS and email to service users and carers — a database-backed outbox that is also
the work queue, sent by GOV.UK Notify in production or kept in a local outbox for the demo."""
