"""Alembic environment for Facet's store.

Facet runs migrations itself (`pos_app.persistence.migrations.upgrade`) on a
connection it opened with the store's key, passed in `config.attributes`.
There is no URL here: a key never goes into a config file.
"""

from alembic import context

from pos_app.persistence.models import Base

FTS_TABLES = {"items_fts", "items_fts_data", "items_fts_idx", "items_fts_content", "items_fts_docsize", "items_fts_config"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in FTS_TABLES)


connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Facet's migrations run through 'pos-app' (it opens the encrypted store); not through the alembic command.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
