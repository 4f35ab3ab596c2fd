"""`pos-app backup`, `restore` and `rekey`: copies of the encrypted store, putting one back, and a new key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pos_app.cli.core import Commands, Output, Refused, ask_secret, data_dir, opened, signed_in

if TYPE_CHECKING:
    from pos_app.domain.permissions import Actor


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str | None:
    """The passphrase that makes a backup portable (--passphrase-env or --ask-passphrase), or None."""
    if not (args.passphrase_env or args.ask_passphrase):
        return None
    return ask_secret(args.passphrase_env, "Backup passphrase: ", confirm=confirm, what="backup passphrase")


def cmd_backup(args: argparse.Namespace) -> Output:
    from pos_app.services.backup import back_up

    with signed_in(args) as cmd:
        passphrase = _passphrase(args, confirm=True)
        dest = back_up(Path(args.file), passphrase=passphrase, store=cmd.devices.store_file(), uow=cmd.store.uow(),
                       actor=cmd.actor)
    return Output({"file": str(dest), "portable": passphrase is not None, "bytes": dest.stat().st_size},
                  f"Backed up the store to {dest}" + (" (encrypted with your passphrase)." if passphrase else
                                                      " (encrypted with this store's key)."))


def cmd_restore(args: argparse.Namespace) -> Output:
    """Restore a backup: first the list of what it would undo, then a typed confirmation (a person types
    RESTORE; a script passes --yes with --expect-undo N, the sales it undoes); --dry-run only lists."""
    from pos_app import app
    from pos_app.domain import restore as rules
    from pos_app.domain.store import store_time
    from pos_app.services.backup import check_may_restore, record_restore
    from pos_app.services.erasure import reapply_erasures

    folder = data_dir(args)
    passphrase = _passphrase(args, confirm=False)
    actor = _restorer(args, folder)
    if actor is not None:
        check_may_restore(actor)
    preview = app.preview_restore(folder, Path(args.file), passphrase=passphrase)
    undo = preview.undo
    head = (f"Restoring {preview.backup} over the store in {folder}"
            + (" would undo what was recorded after the backup"
               + (f" (its trail ends at event {undo.backup_head.seq}, "
                  f"{store_time(undo.backup_head.at, undo.timezone):%Y-%m-%d %H:%M %Z})"
                  if undo.backup_head and undo.backup_head.at else "") + ":"
               if preview.store_exists else ": there is no store there yet, so nothing is undone."))
    listing = [head, *(f"  {line}" for line in (undo.describe() if preview.store_exists else []))]
    if preview.store_exists:
        listing.append("The store as it is now is kept in backups/ first.")
    if args.dry_run:
        return Output({"backup": str(preview.backup), "schema": preview.revision,
                       "store_exists": preview.store_exists, "would_undo": undo.as_dict(), "dry_run": True},
                      "\n".join(listing))
    if preview.store_exists:
        if args.yes:
            rules.check_expected(undo, args.expect_undo)
        elif sys.stdin.isatty():
            print("\n".join(listing))
            rules.check_typed(input(f"Type {rules.CONFIRM_WORD} to replace the store: "))
        else:
            raise Refused("Not in a terminal: to restore from a script, pass --yes with --expect-undo N (the number "
                          "of sales it undoes; see --dry-run). Nothing was changed.")
    outcome = app.restore_store(folder, Path(args.file), passphrase=passphrase, confirmed=undo)
    with opened(folder) as restored:
        store, devices = restored.store, restored.devices
        actor = actor or app.setup_actor(store.terminal)
        record_restore(Path(args.file), outcome.kept, outcome.undo if preview.store_exists else None,
                       moved_aside=outcome.moved_aside, uow=store.uow(), actor=actor)
        again = reapply_erasures(uow=store.uow(), actor=actor, log=devices.erasure_log(), store=devices.store_file())
    safety = outcome.kept or outcome.moved_aside
    data = {"restored_from": str(Path(args.file).resolve()), "previous_store_kept_at": str(safety) if safety else None,
            "erasures_reapplied": len(again.erased), "undone": outcome.undo.as_dict()}
    undone = (f" It undid {len(outcome.undo.sales)} sale(s) made after the backup."
              if outcome.undo.readable else " What it undid could not be listed (the store could not be read).")
    return Output(data,
                  f"Restored the store from {args.file}." + (undone if preview.store_exists else "")
                  + (f" The previous store is kept at {safety}." if safety else "")
                  + (f" {len(again.erased)} customer(s) erased since that backup were erased again."
                     if again.erased else ""))


def _restorer(args: argparse.Namespace, folder: Path) -> Actor | None:
    """Who restores: someone signed in to the store being replaced; None for a folder with no store yet
    (a new computer: a set-up, like `init`, where the backup's passphrase is what it takes), and for a
    store that cannot be read (no one can sign in to it: the key or the passphrase is what it takes, the
    unreadable files are kept in backups/, and the restore is flagged for the owner)."""
    from pos_app import app
    from pos_app.persistence.sqlcipher import StoreProblem

    if not app.store_exists(folder):
        return None
    try:
        with signed_in(args) as cmd:
            return cmd.actor
    except StoreProblem:
        return None


def cmd_rekey(args: argparse.Namespace) -> Output:
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Re-encrypt the store in {data_dir(args)} with a new key? Close Facet on every counter first; "
                       "a backup is taken before. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Refused("Key change cancelled; nothing was changed.")
    with signed_in(args) as cmd:
        backup = cmd.rekey()
        backend = cmd.devices.secrets_status().backend
    return Output({"rekeyed": True, "backup": str(backup), "keyring": backend},
                  f"The store is now encrypted with a new key, kept in the keyring ({backend}). A backup from before "
                  f"the change is at {backup}; the old key stays in the keyring so that backup and older ones can "
                  "still be restored.")


def register(commands: Commands) -> None:
    """`pos-app backup`, `restore`, `rekey`."""
    command = commands.command
    for name, fn, help_text in (
        ("backup", cmd_backup, "copy the store to an encrypted backup file, safe while the app runs"),
        ("restore", cmd_restore, "replace the store with a backup, after listing what it would undo and a typed "
                                 "confirmation (the current store is kept aside)"),
    ):
        p = command(name, fn, help_text)
        p.add_argument("file", help="the backup file")
        p.add_argument("--passphrase-env", metavar="VAR",
                       help="environment variable holding a passphrase: the backup is encrypted with it and "
                            "can be restored on another machine")
        p.add_argument("--ask-passphrase", action="store_true", help="ask for that passphrase instead")
        if name == "restore":
            p.add_argument("--dry-run", action="store_true",
                           help="list what the restore would undo (sales with their numbers and totals, payments, "
                                "stock movements, ...) and change nothing; with --json, as data")
            p.add_argument("--yes", action="store_true",
                           help="do not ask: only with --expect-undo, for scripts")
            p.add_argument("--expect-undo", metavar="N", dest="expect_undo",
                           help="with --yes: the number of sales the restore undoes (as --dry-run lists), or "
                                "'unknown' when the current store cannot be read; any other number refuses it")
    p = command("rekey", cmd_rekey, "re-encrypt the store with a new database key (backup first; owner)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
