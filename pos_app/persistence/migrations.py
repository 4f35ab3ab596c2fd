"""Running the Alembic migrations in `db/` (imported only when one is due)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from pos_app import paths


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    from pos_app.persistence import schema
    from pos_app.persistence.sqlcipher import StoreProblem

    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        reached = schema.current_revision(connection.connection.dbapi_connection)
    if revision == "head" and reached != schema.HEAD:
        raise StoreProblem(
            f"This installation of Facet is incomplete: its migrations reach schema {reached}, not "
            f"{schema.HEAD} ({paths.migrations() / 'versions'}). Reinstall Facet."
        )


def script_revisions() -> list[str]:
    """Every revision in `db/versions/`, oldest first (for the schema test)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
