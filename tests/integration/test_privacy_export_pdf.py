"""The privacy export's readable copy, laid out: its last paragraph never leaves one line alone on a page.

The demo's customer with the most purchases once got a third page holding only
"else about you. Contact: ..." (the end of the closing paragraph). Documents
with one more purchase at a time move that paragraph across the page's foot.
"""

from __future__ import annotations

import pypdfium2

from pos_app.documents.privacy_export_pdf import PrivacyExportDocument, render_privacy_export_pdf


def export(purchases: int) -> PrivacyExportDocument:
    return PrivacyExportDocument(
        store_name="Jane Ellen", store_contact="410 Madison Avenue", privacy_contact="privacy@janeellen.example",
        customer_name="Madison Wakefield", generated_on="2026-11-25", request_type="Know / access",
        profile=(("Name", "Madison Wakefield"),),
        categories=(("Your profile", 1, "name, contact", "to serve you", "until you ask us to delete it"),),
        third_parties=(("Payment processors", "Stripe"),), consents=(),
        sales=tuple(("2026-10-09", f"C1-{n:06d}", "sale", "completed", "$718.85") for n in range(purchases)),
        more_sales=0, requests=(("2026-11-20", "access", "verified", ""),), files=0)


def body_lines(data: bytes) -> list[list[str]]:
    """Each page's lines of text, without its footer (the store's name and "page x of y")."""
    pages = []
    for page in pypdfium2.PdfDocument(data):
        lines = [line.strip() for line in page.get_textpage().get_text_range().splitlines()]
        pages.append([line for line in lines if line and not line.startswith(("Your data at Jane Ellen", "page "))])
    return pages


def test_the_closing_paragraph_never_leaves_one_line_alone_on_a_page() -> None:
    page_counts = set()
    for purchases in range(6, 16):  # the closing paragraph crosses the first page's foot in here (asserted below)
        pages = body_lines(render_privacy_export_pdf(export(purchases)))
        page_counts.add(len(pages))
        assert all(len(lines) > 1 for lines in pages), (purchases, pages[-1])
        assert pages[-1][-1].endswith("Contact: privacy@janeellen.example.")
    assert page_counts == {1, 2}
