"""Evaluation: equity and effectiveness over all offered contacts (E17, E18), from an MHSDS-shaped
extract, written once as Ibis expressions (DuckDB by default). Sees no identities."""
