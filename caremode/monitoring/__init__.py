"""Monitoring between contacts (E7, E13, E18, E20): the outcome measures (PHQ-9, GAD-7, DIALOG),
check-ins agreed with the person, their own early-warning signs, and the alerts they raise."""
