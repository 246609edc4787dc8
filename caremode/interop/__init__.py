"""Interoperability: the FHIR R4 / UK Core API, imports from record systems, MHSDS v6 tables."""
