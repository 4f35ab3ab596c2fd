"""Writing the appraisal from its dialog: saving the draft (Ctrl+S), finalizing it (Ctrl+Shift+F, after a
confirmation), making a correction of a final version (Ctrl+Shift+C), and printing or saving the PDF of what
is saved (Ctrl+P, Ctrl+Shift+S; a draft being edited is saved first, so what prints is on record).

Every write runs on the database worker; a problem the service names is shown by `editor.show_problem`
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pos_app.domain.errors import UserFacingError
from pos_app.domain.store import store_today
from pos_app.gui import dialogs
from pos_app.gui.appraisals import paper
from pos_app.gui.appraisals.editor import AppraisalEditor
from pos_app.gui.appraisals.owner_item import find_item
from pos_app.gui.base import mark_info, mark_problem
from pos_app.services import appraisals
from pos_app.services.appraisals import FinalizeUnconfirmed
from pos_app.services.ports.appraisals import AppraisalRecord
from pos_app.services.ports.store import Store

FINAL_WARNING = ("A final appraisal never changes: a later change is a correction, a new version of the same "
                 "number, and both stay on record.")


def collect(editor: AppraisalEditor) -> tuple[dict[str, str], list[dict[str, str]], str | None]:
    """(raw form, stone rows with certificate ids, item id); raises what the appraiser must fix."""
    editor.stones.prune_blank()
    rows = editor.stones.rows()
    found = find_item(editor)
    item_id = found[0] if found else None
    cert_ids = appraisals.resolve_certificates([r["certificate"] for r in rows], reader=editor.reader,
                                               actor=editor.actor, item_id=item_id, uow=editor.context.uow())
    stones = [{**{k: v for k, v in r.items() if k != "certificate"}, "certificate_id": cert_id or ""}
              for r, cert_id in zip(rows, cert_ids)]
    return editor.fields.raw(), stones, item_id


def save(editor: AppraisalEditor, *, finalize: bool = False, then: Callable[[AppraisalRecord], None] | None = None,
         confirmed: bool = False) -> None:
    """Save the draft (and finalize it); a new one is created with its owner, item and photos.

    `confirmed`: the appraiser already accepted what finalizing warned about (`FinalizeUnconfirmed`)."""
    if not editor.editable:
        return
    editor.fields.clear_marks(editor.stones)
    try:
        raw, stones, item_id = collect(editor)
    except UserFacingError as exc:
        editor.show_problem(exc)
        return
    actor, record = editor.actor, editor.record
    today = store_today(editor.context.profile.timezone)
    owner, photos = editor.owner_id, list(editor.pending_photos)

    def work(store: Store) -> tuple[AppraisalRecord, UserFacingError | None]:
        if record is None:
            saved = appraisals.create_draft(raw, stones, uow=store.uow(), actor=actor, today=today,
                                            item_id=item_id, owner_customer_id=owner)
        else:
            saved = appraisals.update_draft(record.id, raw, stones, uow=store.uow(), actor=actor, today=today,
                                            item_id=item_id, owner_customer_id=owner)
        try:  # the draft is saved: a later problem is shown over it, not instead of it
            if photos:
                appraisals.add_photos(saved.id, photos, uow=store.uow(), actor=actor)
            if finalize:
                saved = appraisals.finalize(saved.id, uow=store.uow(), actor=actor, ask_first=not confirmed)
        except UserFacingError as exc:
            return saved, exc
        return saved, None

    def done(result: tuple[AppraisalRecord, UserFacingError | None]) -> None:
        saved, problem = result
        editor.context.changed.emit("appraisals")
        if isinstance(problem, FinalizeUnconfirmed):
            editor.load(saved.id, then=lambda _record: confirm_final(editor, problem))
            return
        what = "is final" if saved.status == "final" else "is saved as a draft"
        editor.load(saved.id, f"{saved.number} version {saved.version} {what}.", problem,
                    then if problem is None else None)

    mark_info(editor.form.message_label, "Finalizing…" if finalize else "Saving…")
    editor.run(work, done)


def finalize(editor: AppraisalEditor) -> None:
    if not (editor.editable and editor.can_finalize):
        return
    record = editor.record
    name = f"{record.number} version {record.version}" if record else "this appraisal"
    if dialogs.ask_yes_no(editor.as_widget(), "Finalize the appraisal?", f"{FINAL_WARNING}\n\nFinalize {name} now?"):
        save(editor, finalize=True)


def confirm_final(editor: AppraisalEditor, unconfirmed: FinalizeUnconfirmed) -> None:
    """The draft is saved; finalizing waits for the appraiser: Yes finalizes it as it is, No goes to the
    stones."""
    lines = "\n".join(f"• {w[:1].upper()}{w[1:]}." for w in unconfirmed.warnings)
    record = editor.record
    name = f"{record.number} version {record.version}" if record else "This appraisal"
    if dialogs.ask_yes_no(editor.as_widget(), "Finalize without stones?",
                          f"{name}:\n{lines}\n\n{FINAL_WARNING}\n\nFinalize it as it is?"):
        save(editor, finalize=True, confirmed=True)
        return
    mark_problem(editor.form.message_label, "Saved as a draft, not final: add the stones (Ctrl+Shift+N), then "
                                            "finalize (Ctrl+Shift+F).")
    editor.show_tab(1)


def make_correction(editor: AppraisalEditor) -> None:
    record = editor.record
    if record is None or record.status != "final" or not editor.form.correct_button.isVisible():
        return
    actor = editor.actor

    def done(new: AppraisalRecord) -> None:
        editor.context.changed.emit("appraisals")
        editor.load(new.id, f"Version {new.version} of {new.number} is a draft correction: change it, then "
                            f"finalize it (Ctrl+Shift+F). Version {record.version} stays on record.")

    editor.run(lambda store: appraisals.correct(record.id, uow=store.uow(), actor=actor), done)


# -- paper ---------------------------------------------------------------------------------------

def chosen_paper(editor: AppraisalEditor) -> paper.Paper:
    """The pages the dialog's check boxes ask for."""
    return paper.Paper(certificate_pages=editor.form.certificates_check.isChecked(),
                       card=editor.form.card_check.isChecked())


def with_saved(editor: AppraisalEditor, then: Callable[[AppraisalRecord], None]) -> None:
    """Continue with the saved record; a draft being edited is saved first (so what prints is on record)."""
    if editor.editable:
        save(editor, then=then)
    elif editor.record is not None:
        then(editor.record)


def print_appraisal(editor: AppraisalEditor) -> None:
    pages = chosen_paper(editor)
    label = editor.form.message_label

    def rendered(pdf: bytes) -> None:
        paper.print_rendered(editor.context, editor.as_widget(), pdf, lambda text: mark_info(label, text),
                             lambda exc: mark_problem(label, str(exc)))

    def saved(record: AppraisalRecord) -> None:
        mark_info(label, "Making the PDF…")
        editor.run(paper.renderer(editor.context, record.id, pages), rendered)

    with_saved(editor, saved)


def save_pdf(editor: AppraisalEditor) -> None:
    pages = chosen_paper(editor)
    label = editor.form.message_label

    def saved(record: AppraisalRecord) -> None:
        path = dialogs.ask_save_path(editor.as_widget(), "Save the appraisal",
                                     pages.file_name(record.number, record.version), "PDF files (*.pdf)")
        if path is None:
            return

        def done(written: Path) -> None:
            editor.saved_path = written
            mark_info(label, f"Saved {written}.")

        mark_info(label, "Making the PDF…")
        editor.run(paper.saver(editor.context, record.id, pages, path), done)

    with_saved(editor, saved)
