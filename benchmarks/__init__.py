"""Facet's performance harness (see README.md); run benchmarks/run.py."""
