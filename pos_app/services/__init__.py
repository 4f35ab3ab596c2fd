"""Use cases: one function per user intent, one unit of work per call.

Services import `domain/` and the ports they declare in `ports.py`; storage and
devices are handed in by `app.py`. They return frozen dataclasses, never live
database objects.
"""
