"""Appraisals: draft, finalize, correct with a new version; the printed document and its check.

A draft can be changed by whoever may write appraisals. Finalizing (an
appraiser's or the owner's) checks what a final appraisal must state and
freezes it: from then on it never changes, photos included. A correction
opens a new draft version of the same number, with copies of the stones and
photos, that supersedes the final one; when it is final, both stay readable,
each with who made it and when.

One module per step, every public name importable from here
(`appraisals.create_draft`, `appraisals.finalize`, ...), as every caller uses it:

- `drafting`: a new draft (from scratch, or from an inventory item's record with
  `item_start`), its changes and photos while it is a draft, and reading one.
- `signing`: finalizing and who signs (`finalize`, `final_warnings`, `signers`), and
  the counter's appraisals of a sale (`appraise_sale`, `sale_appraisals`).
- `verification`: a correction as a new version, the versions of a number, what a
  final appraisal's seal covers and the check of a printed verification code.
- `printed`: the appraisal as printed (`document`), with the certificates it cites.
- `register`: the screen's list and counts, the certificates stones cite, and the
  10-year retention rule (`erase_expired`).
"""

from __future__ import annotations

from pos_app.services.appraisals.drafting import (
    KEEP,
    MAX_PHOTOS,
    add_photos,
    create_draft,
    get,
    item_start,
    photo_data,
    remove_photo,
    spec_from_item,
    stones_from_item,
    update_draft,
)
from pos_app.services.appraisals.printed import document
from pos_app.services.appraisals.register import (
    certificate_numbers,
    count_appraisals,
    drafts_waiting,
    erase_expired,
    list_appraisals,
    resolve_certificates,
)
from pos_app.services.appraisals.signing import (
    SALE_PHOTOS,
    FinalizeUnconfirmed,
    Signer,
    appraise_sale,
    final_warnings,
    finalize,
    sale_appraisals,
    signers,
)
from pos_app.services.appraisals.verification import (
    content,
    correct,
    find_version,
    verification_code,
    verify,
    versions,
)

__all__ = [
    "KEEP", "MAX_PHOTOS", "SALE_PHOTOS", "FinalizeUnconfirmed", "Signer", "add_photos", "appraise_sale",
    "certificate_numbers", "content", "correct", "count_appraisals", "create_draft", "document", "drafts_waiting",
    "erase_expired", "final_warnings", "finalize", "find_version", "get", "item_start", "list_appraisals",
    "photo_data", "remove_photo", "resolve_certificates", "sale_appraisals", "signers", "spec_from_item",
    "stones_from_item", "update_draft", "verification_code", "verify", "versions",
]
