"""Pure Python values and rules of a fine-jewelry store: no Qt, no SQL."""
