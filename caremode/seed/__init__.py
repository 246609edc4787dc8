"""Seed: a synthetic, deterministic NHS trust for the demo, tests and benchmarks (`caremode seed`).

Synthetic data only; never real people.
"""
