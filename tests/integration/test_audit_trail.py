"""The audit trail's chain check names the first tampered event; the owner searches and exports the trail.

Tampering goes straight through SQLCipher with the store's key, as someone
holding the key would do it, never through Facet's own code.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.audit import AuditFilter, BreakKind, CheckCancelled
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.persistence.audit_queries import ANCHOR_NAME, AuditAnchor, Head, anchor_key, verify_chain
from pos_app.persistence.database import db_path
from pos_app.persistence.journal import event_hash, hashed_content
from pos_app.persistence.sqlcipher import connect
from pos_app.services import audit
from tests.audit_tampering import tamper_with
from tests.conftest import actor_for, cli_login

EVENTS = 12


@pytest.fixture
def store(demo_dir: Path) -> tuple[app.Facet, Path]:
    """The demo store with its owner signed in on the command line, then a dozen more events (the
    anchor now vouches for the last)."""
    cli_login(demo_dir)
    facet = app.open_facet(demo_dir)
    owner = actor_for(facet, Role.OWNER)
    for n in range(EVENTS):
        with facet.uow() as uow:
            uow.audit.record(owner, f"test.step_{n}", entity_type="item", entity_id=f"item-{n}", summary={"n": n})
            uow.commit()
    facet.close()
    return app.open_facet(demo_dir), demo_dir


def tamper(data_dir: Path, *sql: tuple[str, tuple[Any, ...]]) -> None:
    key = KeyringSecrets().get(database_key_name(data_dir))
    assert key is not None
    tamper_with(db_path(data_dir), key, *sql)


def events(data_dir: Path) -> list[dict[str, Any]]:
    key = KeyringSecrets().get(database_key_name(data_dir))
    assert key is not None
    conn = connect(db_path(data_dir), key)
    try:
        cursor = conn.execute("SELECT * FROM audit_events ORDER BY seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]
    finally:
        conn.close()


def rehash(row: dict[str, Any]) -> str:
    return event_hash(hashed_content({**row, "summary": json.loads(row["summary"])}))


def verify_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = cli.main(["audit", "verify", "--json", "--data-dir", str(data_dir)])
    return code, json.loads(capsys.readouterr().out)


def assert_names(facet: app.Facet, data_dir: Path, capsys: pytest.CaptureFixture[str], kind: BreakKind,
                 seq: int, action: str | None) -> None:
    """The service and `pos-app audit verify --json` both name event `seq` as the first bad one."""
    report = audit.verify(trail=facet.store.audit, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
    assert report.first_break is not None, report
    assert (report.first_break.kind, report.first_break.seq, report.first_break.action) == (kind, seq, action)
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_CHECK_FAILED
    assert data["ok"] is False
    assert data["first_bad_event"]["seq"] == seq and data["first_bad_event"]["kind"] == kind.value
    assert data["first_bad_event"]["action"] == action


def test_an_untouched_trail_holds_and_is_anchored(store: tuple[app.Facet, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    head = events(data_dir)[-1]
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_OK
    assert data["ok"] is True and data["first_bad_event"] is None
    assert data["head_seq"] == data["anchored_seq"] == head["seq"]
    assert data["events"] == head["seq"]
    anchor = facet.db.audit_anchor.read()
    assert anchor is not None and (anchor.seq, anchor.hash) == (head["seq"], head["hash"])
    facet.close()


def test_names_an_event_whose_summary_was_edited(store: tuple[app.Facet, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    target = next(e for e in events(data_dir) if e["action"] == "test.step_4")
    tamper(data_dir, ("UPDATE audit_events SET summary = ? WHERE seq = ?", ('{"n": 40}', target["seq"])))
    assert_names(facet, data_dir, capsys, BreakKind.EDITED, target["seq"], "test.step_4")
    facet.close()


def test_names_an_event_whose_summary_text_was_edited_to_parse_the_same(
        store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A key given twice reads as the first value on screen and in the CSV, yet parses as the last."""
    facet, data_dir = store
    target = next(r for r in events(data_dir) if r["action"] == "test.step_4")
    forged = '{"n": "FORGED", ' + target["summary"][1:]
    assert json.loads(forged) == json.loads(target["summary"])
    tamper(data_dir, ("UPDATE audit_events SET summary = ? WHERE seq = ?", (forged, target["seq"])))
    assert_names(facet, data_dir, capsys, BreakKind.EDITED, target["seq"], "test.step_4")
    facet.close()


def test_names_an_edited_event_whose_hash_was_recomputed(store: tuple[app.Facet, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    target = next(e for e in events(data_dir) if e["action"] == "test.step_4")
    forged = {**target, "actor_name": "Someone Else"}
    tamper(data_dir, ("UPDATE audit_events SET actor_name = ?, hash = ? WHERE seq = ?",
                      ("Someone Else", rehash(forged), target["seq"])))
    assert_names(facet, data_dir, capsys, BreakKind.EDITED, target["seq"], "test.step_4")
    facet.close()


def test_names_a_deleted_event(store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    target = next(e for e in events(data_dir) if e["action"] == "test.step_5")
    tamper(data_dir, ("DELETE FROM audit_events WHERE seq = ?", (target["seq"],)))
    # The deleted event is gone: the break names its number and the next event present.
    assert_names(facet, data_dir, capsys, BreakKind.DELETED, target["seq"], "test.step_6")
    facet.close()


def test_names_a_deleted_event_when_the_later_ones_were_renumbered(
        store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    target = next(e for e in events(data_dir) if e["action"] == "test.step_5")
    tamper(data_dir, ("DELETE FROM audit_events WHERE seq = ?", (target["seq"],)),
           ("UPDATE audit_events SET seq = seq + 1000000 WHERE seq > ?", (target["seq"],)),
           ("UPDATE audit_events SET seq = seq - 1000001 WHERE seq > 1000000", ()))
    assert_names(facet, data_dir, capsys, BreakKind.DELETED, target["seq"], "test.step_6")
    facet.close()


def test_names_two_events_swapped_in_order(store: tuple[app.Facet, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    first = next(e for e in events(data_dir) if e["action"] == "test.step_3")
    seq = first["seq"]
    tamper(data_dir, ("UPDATE audit_events SET seq = -1 WHERE seq = ?", (seq,)),
           ("UPDATE audit_events SET seq = ? WHERE seq = ?", (seq, seq + 1)),
           ("UPDATE audit_events SET seq = ? WHERE seq = -1", (seq + 1,)))
    # Event `seq` now holds what was written as the next one (step 4): it stands before its predecessor.
    assert_names(facet, data_dir, capsys, BreakKind.REORDERED, seq, "test.step_4")
    facet.close()


def test_names_a_forged_event_inserted_in_the_middle(store: tuple[app.Facet, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The forger renumbers the later events and gives the new one a correct link and hash."""
    facet, data_dir = store
    rows = events(data_dir)
    before = next(e for e in rows if e["action"] == "test.step_6")
    seq = before["seq"] + 1
    forged = {**before, "seq": seq, "id": "forged-event", "action": "test.forged", "summary": "{}",
              "prev_hash": before["hash"]}
    forged["hash"] = rehash(forged)
    tamper(data_dir, ("UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= ?", (seq,)),
           ("UPDATE audit_events SET seq = seq - 999999 WHERE seq > 1000000", ()),
           ("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
            "entity_id, summary, approved_by, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(forged[k] for k in ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal", "action",
                                      "entity_type", "entity_id", "summary", "approved_by", "prev_hash", "hash"))))
    assert_names(facet, data_dir, capsys, BreakKind.INSERTED, seq, "test.forged")
    facet.close()


def test_names_a_forged_event_numbered_past_a_gap(store: tuple[app.Facet, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    last = events(data_dir)[-1]
    forged = {**last, "seq": last["seq"] + 5, "id": "forged-event", "action": "test.forged",
              "prev_hash": last["hash"]}
    forged["hash"] = rehash(forged)
    tamper(data_dir, ("INSERT INTO audit_events SELECT ?, ?, at, staff_id, actor_name, role, terminal, ?, "
                      "entity_type, entity_id, summary, approved_by, ?, ? FROM audit_events WHERE seq = ?",
                      (forged["seq"], "forged-event", "test.forged", last["hash"], forged["hash"], last["seq"])))
    assert_names(facet, data_dir, capsys, BreakKind.INSERTED, forged["seq"], "test.forged")
    facet.close()


def test_names_events_cut_off_the_end(store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    rows = events(data_dir)
    tamper(data_dir, ("DELETE FROM audit_events WHERE seq > ?", (rows[-4]["seq"],)))
    # The first missing event is named, with the last one still present.
    assert_names(facet, data_dir, capsys, BreakKind.TRUNCATED, rows[-3]["seq"], rows[-4]["action"])
    facet.close()


def test_sees_a_whole_chain_rewritten_with_the_key(store: tuple[app.Facet, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    rows = events(data_dir)
    statements = []
    prev = rows[0]["prev_hash"]
    for row in rows:
        changed = {**row, "prev_hash": prev}
        if row["action"] == "test.step_2":
            changed["summary"] = '{"n": 200}'
        changed["hash"] = rehash(changed)
        statements.append(("UPDATE audit_events SET summary = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                           (changed["summary"], changed["prev_hash"], changed["hash"], row["seq"])))
        prev = changed["hash"]
    tamper(data_dir, *statements)
    # The table is consistent again; only the anchor outside it knows the last event's true hash.
    assert_names(facet, data_dir, capsys, BreakKind.REWRITTEN, rows[-1]["seq"], rows[-1]["action"])
    facet.close()


def test_the_anchor_survives_a_write_torn_by_a_crash(store: tuple[app.Facet, Path]) -> None:
    """Two slots written by turns: spoiling the one being written leaves the previous head."""
    facet, data_dir = store
    before = facet.db.audit_anchor.read()
    with facet.uow() as uow:
        uow.audit.record(actor_for(facet, Role.OWNER), "test.one_more")
        uow.commit()
    after = facet.db.audit_anchor.read()
    assert before is not None and after is not None and after.seq == before.seq + 1
    raw = bytearray((data_dir / ANCHOR_NAME).read_bytes())
    slot = raw.index(f'"seq": {after.seq},'.encode()) // 256
    raw[slot * 256 + 10:slot * 256 + 20] = b"\0" * 10
    (data_dir / ANCHOR_NAME).write_bytes(bytes(raw))
    assert facet.db.audit_anchor.read() == before
    report = verify_chain(facet.connection(), facet.db.audit_anchor)
    assert report.ok and report.anchored_seq == before.seq
    facet.close()


def test_a_stopped_check_says_it_found_nothing_either_way(store: tuple[app.Facet, Path]) -> None:
    facet, data_dir = store
    conn = facet.connection()
    try:
        with pytest.raises(CheckCancelled, match="stopped after 2 events"):
            verify_chain(conn, facet.db.audit_anchor, batch=2, cancelled=lambda: True)
        assert verify_chain(conn, facet.db.audit_anchor, batch=2, cancelled=lambda: False).ok
    finally:
        conn.close()
    facet.close()


def test_an_anchor_file_from_elsewhere_is_reported(store: tuple[app.Facet, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    anchor = facet.db.audit_anchor.read()
    assert anchor is not None
    # Signed with another key: a copy from another store, or a head moved forward by hand.
    other = AuditAnchor(data_dir / ANCHOR_NAME, anchor_key("ab" * 32))
    other.reset(Head(anchor.seq + 3, anchor.hash))
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_CHECK_FAILED and data["first_bad_event"]["kind"] == "anchor_forged"
    facet.close()


def test_a_restore_resets_the_anchor_and_says_so(store: tuple[app.Facet, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    facet.close()
    assert cli.main(["backup", str(tmp_path / "b.db"), "--data-dir", str(data_dir)]) == 0
    facet = app.open_facet(data_dir)
    owner = actor_for(facet, Role.OWNER)
    for n in range(3):
        with facet.uow() as uow:
            uow.audit.record(owner, "test.after_backup", summary={"n": n})
            uow.commit()
    facet.close()
    assert cli.main(["restore", str(tmp_path / "b.db"), "--yes", "--expect-undo", "0", "--data-dir", str(data_dir)]) == 0
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_OK, data
    last = events(data_dir)[-1]
    assert last["action"] == "store.restored" and json.loads(last["summary"])["audit_anchor_reset"] is True
    assert data["anchored_seq"] == last["seq"]


def test_doctor_reports_the_chain(store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    capsys.readouterr()
    assert cli.main(["doctor", "--json", "--data-dir", str(data_dir)]) == cli.EXIT_OK
    assert json.loads(capsys.readouterr().out)["audit_chain"].startswith("holds")
    target = next(e for e in events(data_dir) if e["action"] == "test.step_1")
    tamper(data_dir, ("UPDATE audit_events SET action = 'test.other' WHERE seq = ?", (target["seq"],)))
    assert cli.main(["doctor", "--json", "--data-dir", str(data_dir)]) == cli.EXIT_CHECK_FAILED
    report = json.loads(capsys.readouterr().out)
    assert report["audit_chain"] == f"BROKEN at event {target['seq']}"
    assert any(f"event {target['seq']}" in p and "edited" in p for p in report["problems"])
    facet.close()


# ---------------------------------------------------------------- the viewer's searches and the export


def test_searches_by_person_action_entity_and_time(store: tuple[app.Facet, Path]) -> None:
    facet, data_dir = store
    owner = actor_for(facet, Role.OWNER)
    trail = facet.store.audit
    steps = audit.search(AuditFilter(action="test.step_"), trail=trail, uow=facet.uow(), actor=owner, limit=100)
    assert [r.action for r in steps] == [f"test.step_{n}" for n in reversed(range(EVENTS))]  # newest first
    assert audit.count(AuditFilter(action="test.step_1"), trail=trail, uow=facet.uow(), actor=owner) == 3  # 1, 10, 11
    for entity in ("item:item-3", "item: item-3"):  # as typed, and as the viewer's Record column shows it
        assert [r.entity_id for r in audit.search(AuditFilter(entity=entity), trail=trail, uow=facet.uow(), actor=owner)] \
            == ["item-3"]
    # Her name finds what she did at a counter and on the command line.
    assert {r.person for r in audit.search(AuditFilter(person=owner.name[:4]), trail=trail, uow=facet.uow(), actor=owner)} \
        == {owner.name, f"{owner.name} (command line)"}
    assert audit.count(AuditFilter(person=owner.staff_id), trail=trail, uow=facet.uow(), actor=owner) >= EVENTS
    middle = steps[EVENTS // 2].at
    newer = audit.search(AuditFilter(action="test.step_", since=middle), trail=trail, uow=facet.uow(), actor=owner)
    assert [r.at >= middle for r in newer] == [True] * len(newer) and 0 < len(newer) < EVENTS
    older = audit.count(AuditFilter(action="test.step_", until=middle), trail=trail, uow=facet.uow(), actor=owner)
    assert older + len(newer) == EVENTS
    facet.close()


def test_refuses_a_period_that_ends_before_it_starts_naming_the_field(store: tuple[app.Facet, Path]) -> None:
    facet, _ = store
    steps = audit.search(AuditFilter(action="test.step_"), trail=facet.store.audit,
                         uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
    with pytest.raises(ValidationError) as caught:
        audit.count(AuditFilter(since=steps[0].at, until=steps[-1].at), trail=facet.store.audit,
                    uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
    assert caught.value.field == "until"
    facet.close()


@pytest.mark.parametrize("role", [Role.CLERK, Role.MANAGER, Role.APPRAISER])
def test_only_the_owner_sees_the_trail(store: tuple[app.Facet, Path], role: Role, tmp_path: Path) -> None:
    facet, _ = store
    actor = actor_for(facet, role)
    calls: list[Callable[[], object]] = [
        lambda: audit.verify(trail=facet.store.audit, uow=facet.uow(), actor=actor),
        lambda: audit.search(AuditFilter(), trail=facet.store.audit, uow=facet.uow(), actor=actor),
        lambda: audit.export_csv(tmp_path / "a.csv", AuditFilter(), trail=facet.store.audit, uow=facet.uow(), files=facet.devices.files,
                                 actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not (tmp_path / "a.csv").exists()
    facet.close()


def test_exports_matching_events_to_csv_without_customers_personal_data(
        store: tuple[app.Facet, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    facet.close()
    out = tmp_path / "audit.csv"
    assert cli.main(["audit", "export", str(out), "--action", "test.step_", "--data-dir", str(data_dir)]) == 0
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["action"] for r in rows] == [f"test.step_{n}" for n in range(EVENTS)]  # oldest first
    assert rows[3]["entity_type"] == "item" and rows[3]["entity_id"] == "item-3"
    assert json.loads(rows[3]["summary"]) == {"n": 3}
    assert rows[0]["person"] and rows[0]["role"] == "owner" and len(rows[0]["hash"]) == 64
    assert not list(tmp_path.glob("*.partial"))
    # The whole trail: no customer's email, phone or name in it.
    everything = tmp_path / "all.csv"
    assert cli.main(["audit", "export", str(everything), "--data-dir", str(data_dir)]) == 0
    text = everything.read_text(encoding="utf-8")
    facet = app.open_facet(data_dir)
    conn = facet.connection()
    customers = conn.execute("SELECT first_name || ' ' || last_name, email, phone FROM customers").fetchall()
    conn.close()
    assert customers
    for name, email, phone in customers:
        for value in (name, email, phone):
            assert not value or value not in text
    # The export is itself on the trail.
    last = events(data_dir)[-1]
    assert last["action"] == "audit.exported" and json.loads(last["summary"])["file"] == "all.csv"
    facet.close()


def test_cli_list_filters_and_refuses_a_bad_time(store: tuple[app.Facet, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    facet, data_dir = store
    facet.close()
    capsys.readouterr()
    assert cli.main(["audit", "list", "--json", "--entity", "item:item-7", "--data-dir", str(data_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)["events"]
    assert [(e["action"], e["summary"]) for e in listed] == [("test.step_7", {"n": 7})]
    assert cli.main(["audit", "list", "--since", "yesterday", "--data-dir", str(data_dir)]) == cli.EXIT_REFUSED
    assert "--since" in capsys.readouterr().err


def test_the_trail_is_append_only_inside_the_store(store: tuple[app.Facet, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import sqlcipher3

    facet, data_dir = store
    before = events(data_dir)
    conn = facet.connection()
    try:
        for statement in ("UPDATE audit_events SET summary = '{}'", "DELETE FROM audit_events"):
            with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
                conn.execute(statement)
    finally:
        conn.close()
    assert events(data_dir) == before
    code, report = verify_json(data_dir, capsys)
    assert code == 0 and report["ok"]


# ---------------------------------------------------------------- the anchor deleted with the last events


def _cut_the_end_and_delete_the_anchor(data_dir: Path, keep: int) -> list[dict[str, Any]]:
    """What someone with the key could do: drop the triggers, delete the last events and the anchor file."""
    rows = events(data_dir)
    tamper(data_dir, ("DELETE FROM audit_events WHERE seq > ?", (rows[keep - 1]["seq"],)))
    (data_dir / ANCHOR_NAME).unlink()
    return rows[:keep]


def test_deleting_the_anchor_and_the_last_events_fails_the_check_and_doctor(
        store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Once only a warning ("No anchor yet"), and exit 0."""
    facet, data_dir = store
    left = _cut_the_end_and_delete_the_anchor(data_dir, keep=len(events(data_dir)) - 5)
    report = audit.verify(trail=facet.store.audit, uow=facet.uow(),
                          actor=actor_for(facet, Role.OWNER))
    assert report.first_break is not None and report.first_break.kind is BreakKind.ANCHOR_MISSING
    assert report.first_break.seq == left[-1]["seq"] and report.anchored_seq is None

    capsys.readouterr()
    assert cli.main(["audit", "verify", "--data-dir", str(data_dir)]) == cli.EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert out.startswith("The audit trail's end cannot be vouched for: its anchor outside the database "
                          f"({ANCHOR_NAME}) is missing")
    started = next(r["seq"] for r in left if r["action"] == "audit.anchor_started")
    assert f"kept from event {started} on" in out and f"(the last present is event {left[-1]['seq']})" in out
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_CHECK_FAILED and data["first_bad_event"]["kind"] == "anchor_missing"

    assert cli.main(["doctor", "--json", "--data-dir", str(data_dir)]) == cli.EXIT_CHECK_FAILED
    doctor = json.loads(capsys.readouterr().out)
    assert any("end cannot be vouched for" in p and ANCHOR_NAME in p for p in doctor["problems"])
    facet.close()


def test_a_commit_after_the_anchor_went_missing_does_not_write_a_new_one(
        store: tuple[app.Facet, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A new anchor would vouch for the cut trail: neither the process that had it open nor a new one writes it."""
    facet, data_dir = store
    _cut_the_end_and_delete_the_anchor(data_dir, keep=len(events(data_dir)) - 3)
    fresh = app.open_facet(data_dir)
    for opened in (facet, fresh):
        owner = actor_for(opened, Role.OWNER)
        with opened.uow() as uow:
            uow.audit.record(owner, "test.after_the_cut", entity_type="item", entity_id="item-x")
            uow.commit()
        assert not (data_dir / ANCHOR_NAME).exists()
    fresh.close()
    facet.close()
    code, data = verify_json(data_dir, capsys)
    assert code == cli.EXIT_CHECK_FAILED and data["first_bad_event"]["kind"] == "anchor_missing"
    assert data["first_bad_event"]["action"] == "test.after_the_cut"


@pytest.mark.usefixtures("cli_owner")
def test_a_trail_from_before_anchors_is_only_warned_about_until_its_first_anchored_commit(
        demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A trail without `audit.anchor_started` (written before anchors existed) may lack an anchor; its next
    commit records the start inside the chain, and from then on a missing anchor fails the check."""
    rows = [r for r in events(demo_dir) if r["action"] != "audit.anchor_started"]
    assert len(rows) == len(events(demo_dir)) - 1
    columns = list(rows[0])
    statements: list[tuple[str, tuple[Any, ...]]] = [("DELETE FROM audit_events", ())]
    prev = "0" * 64
    for seq, row in enumerate(rows, start=1):
        row = {**row, "seq": seq, "prev_hash": prev}
        row["hash"] = prev = rehash(row)
        statements.append((f"INSERT INTO audit_events ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' * len(columns))})", tuple(row[c] for c in columns)))
    tamper(demo_dir, *statements)
    (demo_dir / ANCHOR_NAME).unlink()

    # Checked without writing (a command-line session's use is itself a commit, the trail's first anchored one).
    facet = app.open_facet(demo_dir)
    report = audit.verify(trail=facet.store.audit, uow=facet.uow(),
                          actor=actor_for(facet, Role.OWNER))
    assert report.ok and report.anchored_seq is None
    assert any(w.startswith(f"No anchor ({ANCHOR_NAME}) yet") for w in report.warnings)
    with facet.uow() as uow:
        uow.audit.record(actor_for(facet, Role.OWNER), "test.upgraded", entity_type="item", entity_id="item-1")
        uow.commit()
    facet.close()
    last_two = [(r["action"], r["actor_name"]) for r in events(demo_dir)[-2:]]
    assert last_two == [("test.upgraded", "Jane Ellen"), ("audit.anchor_started", "audit anchor")]
    code, data = verify_json(demo_dir, capsys)
    assert code == cli.EXIT_OK and data["anchored_seq"] == data["head_seq"] == len(rows) + 2
    assert data["warnings"] == []

    (demo_dir / ANCHOR_NAME).unlink()
    code, data = verify_json(demo_dir, capsys)
    assert code == cli.EXIT_CHECK_FAILED and data["first_bad_event"]["kind"] == "anchor_missing"
