"""One writer for the journal of every change: only `persistence/journal.py` writes audit events and outbox rows.

A new raw write that inserted into `outbox` or `audit_events` itself would
forget the device sequence, the transaction id, the captured changes or the
hash chain; these tests read every module of the package (its parsed
strings and names, so a statement split over lines or built in an f-string
is still seen) and fail naming the module and what it does.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pos_app

PACKAGE = Path(pos_app.__file__).parent
JOURNAL = "persistence/journal.py"
# Modules that may use part of the journal's vocabulary, and why.
MAY_VERIFY = {
    "persistence/audit_queries.py": "verifies the chain with the journal's own hash rule (reads, never writes)",
}
MODELS = "persistence/models/"

WRITES = re.compile(r"\b(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+(?:\w+\.)?[\"'`]?(outbox|audit_events|"
                    r"outbox_sequence)\b", re.IGNORECASE)
SEQUENCE = re.compile(r"\boutbox_sequence\b", re.IGNORECASE)
MAPPED = {"OutboxEntry", "AuditEvent", "OutboxSequence"}
CHAIN = {"event_hash", "hashed_content", "GENESIS"}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant, an f-string's literal parts joined (what SQL a module can send)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append((node.lineno, "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                                               else "x" for v in node.values)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def problems(name: str, source: str) -> list[str]:
    """What module `name` (path under pos_app/) does that only the journal may do."""
    if name == JOURNAL:
        return []
    tree = ast.parse(source)
    found = [f"{name}:{line}: writes the {m.group(1)} table itself"
             for line, text in _strings(tree) for m in WRITES.finditer(text)]
    if not name.startswith(MODELS):  # where the table is defined
        found += [f"{name}:{line}: touches the outbox's device sequence" for line, text in _strings(tree)
                  if SEQUENCE.search(text) and not WRITES.search(text)]
    names = {(node.lineno, node.id) for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {(node.lineno, alias.asname or alias.name) for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) for alias in node.names}
    if not name.startswith(MODELS):
        found += [f"{name}:{line}: uses the mapped class {n} (write through persistence/journal.py)"
                  for line, n in sorted(names) if n in MAPPED]
    if name not in MAY_VERIFY:
        found += [f"{name}:{line}: computes the audit hash chain ({n})" for line, n in sorted(names) if n in CHAIN]
    return found


def test_only_the_journal_writes_audit_events_and_outbox_rows() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        found += problems(name, path.read_text(encoding="utf-8"))
    assert found == []


def test_the_check_sees_a_raw_write_however_it_is_spelled() -> None:
    raw = '''
conn.execute("INSERT INTO outbox (table_name, row_id, op, at) "
             "VALUES (?, ?, ?, ?)")
conn.execute(f"insert or ignore into {schema}.audit_events (seq) VALUES (?)")
conn.execute("UPDATE outbox_sequence SET last_seq = 9")
'''
    orm = '''
from pos_app.persistence.models import OutboxEntry
from pos_app.persistence.journal import event_hash
session.add(OutboxEntry(table_name="items", row_id="x", op="insert"))
'''
    assert [p.split(": ", 1)[1] for p in problems("persistence/new_repo.py", raw)] == [
        "writes the outbox table itself", "writes the audit_events table itself",
        "touches the outbox's device sequence"]
    assert [p.split(": ", 1)[1] for p in problems("persistence/new_repo.py", orm)] == [
        "uses the mapped class OutboxEntry (write through persistence/journal.py)",
        "uses the mapped class OutboxEntry (write through persistence/journal.py)",
        "computes the audit hash chain (event_hash)"]
    assert problems(JOURNAL, raw + orm) == []


def test_the_allowlist_names_real_modules() -> None:
    for name in MAY_VERIFY:
        assert (PACKAGE / name).is_file(), name
