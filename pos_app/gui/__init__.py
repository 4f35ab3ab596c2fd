"""Qt screens, table models and dialogs. Talks to services only; holds no rule and no SQL."""
