"""Facet: point of sale and back office for a fine-jewelry store."""

__version__ = "0.1.0"
