"""Alembic environment for the central PostgreSQL of a sync group (its own version line, not the store's).

`pos_app/adapters/central_schema.py` runs it on a connection it opened with
the administrator's URL (passed in `config.attributes`); the version table
is `facet.alembic_version`, so the central schema's revisions never mix
with a store file's.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("The central schema is migrated through 'pos-app central init' or 'pos-app central upgrade'.")

connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS facet")
context.configure(connection=connection, target_metadata=None, version_table_schema="facet",
                  transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
