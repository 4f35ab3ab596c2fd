"""Storage: the encrypted SQLite file, its schema, units of work and queries.

Implements the ports the services declare; imported by `app.py`, never by the GUI.
"""
