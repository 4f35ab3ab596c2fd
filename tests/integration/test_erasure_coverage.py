"""Every text column of the store is either searched by an erasure or allowlisted with the reason it cannot
hold a customer's data: a column added later is searched by default, and one left out must say why."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

from pos_app import app
from pos_app.persistence.erasure_search import searches
from pos_app.persistence.free_text import NOT_PERSONAL, free_text_columns, is_text
from pos_app.persistence.models import Base

# Tables of the file that are not models: Alembic's version, and the full-text index of `items` (FTS5 in
# secure-delete mode: its terms follow the items' text, which is searched; see test_erasure_everywhere).
NOT_MODELS = ("alembic_version", "items_fts")


def _text_columns_of_the_file(facet: app.Facet) -> dict[str, set[str]]:
    """table -> its columns whose declared type holds text, as the store's own file says (migrations, not
    models)."""
    conn = facet.connection()
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")]
        found: dict[str, set[str]] = {}
        for table in tables:
            if table.startswith(NOT_MODELS):
                continue
            for _cid, name, kind, _nn, _default, pk in conn.execute(f"PRAGMA table_info({table})"):
                if any(word in kind.upper() for word in ("CHAR", "TEXT", "CLOB", "JSON")) and not pk:
                    found.setdefault(table, set()).add(name)
        return found
    finally:
        conn.close()


def _keys() -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.primary_key or c.foreign_keys}


def test_every_text_column_of_a_real_store_is_searched_or_allowlisted(demo_facet: app.Facet) -> None:
    """Read from the file the migrations built, so a column a migration adds without a model is caught too."""
    searched = {(t, c) for t, cols in free_text_columns().items() for c in cols}
    models = {(t.name, c.name): c for t in Base.metadata.sorted_tables for c in t.columns}
    unaccounted = sorted(
        (t, c) for t, cols in _text_columns_of_the_file(demo_facet).items() for c in cols
        # A time stored as text (UtcDateTime), a date: typed values, not text a person wrote.
        if not ((t, c) in models and not is_text(models[t, c]))
        and (t, c) not in searched and (t, c) not in NOT_PERSONAL and (t, c) not in _keys())
    assert unaccounted == [], ("text columns an erasure does not search and no allowlist entry explains: "
                               f"{unaccounted}")


def test_the_allowlist_names_only_real_columns_and_gives_a_reason() -> None:
    columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    assert sorted(set(NOT_PERSONAL) - columns) == []
    assert all(len(reason) > 10 for reason in NOT_PERSONAL.values())


def test_a_new_text_column_is_searched_by_default() -> None:
    metadata = MetaData()
    Table("customers", metadata, Column("id", String(36), primary_key=True), Column("first_name", String(80)),
          Column("hobbies", Text))
    Table("items", metadata, Column("id", String(36), primary_key=True), Column("sku", String(32)),
          Column("engraving", String(60)))
    assert free_text_columns(metadata) == {"customers": ("hobbies",), "items": ("engraving",)}


def test_the_erasure_searches_every_free_text_column() -> None:
    searched = {(s.table, c) for s in searches() for c in s.columns}
    expected = {(t, c) for t, cols in free_text_columns().items() for c in cols}
    assert expected <= searched
    assert ("items", "description") in searched and ("items", "title") in searched
    assert ("customers", "notes") in searched and ("customers", "email") not in searched
