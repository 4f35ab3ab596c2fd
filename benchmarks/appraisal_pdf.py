"""The appraisal PDF with photos, beside ReportLab drawing the same photos on a bare page.

Ours: `render_appraisal_pdf` of a final appraisal (QR code, six stone rows,
limiting conditions) with two photos, 1600 x 1200 JPEGs at quality 85 (~480
KB each). Baseline: ReportLab's own canvas drawing the same two JPEGs with
`drawImage` on one bare Letter page: the floor of putting those photos in a
PDF with the same library. Same run, alternating which goes first from one
round to the next, after WARMUP discarded rounds (none with run.py's
--smoke). Nothing is cached between renders: each one reads the photos
from their bytes.

The photos are made once with Qt (no Pillow of our own): coarse random
blotches scaled up smoothly, under a gradient, with fine noise over them, so
they compress like photographs rather than like flat colour.

Also measured, in fewer rounds: the same appraisal with the photos as PNG
(ReportLab decodes a PNG and compresses it again, where a JPEG goes in as it
is), kept in `by_input["png photos"]` beside the baseline drawing the PNGs
in `raw_by_input`. Both depend heavily on whether ReportLab's C accelerator
(`rl_accel`, the `reportlab[accel]` extra) is installed: without it the
ASCII85 encoding of every image stream runs in pure Python. `detail["rl_accel"]`
says which was measured.
"""

from __future__ import annotations

import importlib.util
import io
import random
import re
import statistics
import time
from typing import Any

from benchmarks.inprocess import Timings, percentile

WARMUP = 3
PHOTO_SIZE = (1600, 1200)


def make_photo(width: int, height: int, *, seed: int, fmt: str = "JPEG") -> bytes:
    """A photo-like picture as JPEG (quality 85) or PNG bytes, the same for the same seed."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter

    rng = random.Random(seed)
    coarse = rng.randbytes(200 * 150 * 3)
    image = QImage(coarse, 200, 150, 200 * 3, QImage.Format.Format_RGB888).scaled(
        width, height, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_RGB32)
    fine = rng.randbytes(width * height * 3)  # kept alive while the painter reads it
    noise = QImage(fine, width, height, width * 3, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, width, height)
    gradient.setColorAt(0, QColor(240, 230, 200))
    gradient.setColorAt(1, QColor(60, 70, 90))
    painter.setOpacity(0.6)
    painter.fillRect(0, 0, width, height, gradient)
    painter.setOpacity(0.12)
    painter.drawImage(0, 0, noise)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt, 85 if fmt == "JPEG" else -1):
        raise RuntimeError(f"Qt could not write a {fmt} image")
    return bytes(data)


def appraisal_with_photos(photos: tuple[bytes, ...]) -> Any:
    """A final appraisal as the service words one: a halo pendant with six stone rows and the given photos."""
    from pos_app.documents.appraisal_pdf import AppraisalDocument

    stones = (
        ("Center stone", "Round", "1", "1.02 ct", "G", "VS1", "Excellent", "6.45 x 6.48 x 3.98 mm"),
        ("Halo", "Round", "18", "0.36 ct", "H", "SI1", "Very good", "1.3 mm"),
        ("Side stones", "Pear", "2", "0.40 ct", "G", "VS2", "", "6.0 x 4.0 mm"),
        ("Accent", "Round", "24", "0.24 ct", "H", "SI1", "", "1.0 mm"),
        ("Accent", "Baguette", "6", "0.30 ct", "G", "VS2", "", "3.0 x 1.5 mm"),
        ("Accent", "Marquise", "4", "0.20 ct", "H", "SI1", "", "4.0 x 2.0 mm"),
    )
    return AppraisalDocument(
        store_name="Jane Ellen Fine Jewelry", store_address="410 Madison Avenue\nNew York, NY 10017",
        store_phone="(212) 555-0142", number="AP-2026-0042", version=1, status="final",
        appraised_on="November 20, 2026", effective_on="November 20, 2026", purpose="Insurance replacement",
        owner="Margaret O'Connor\n12 Elm Street\nBrooklyn, NY 11201",
        piece=(("Style", "Halo"), ("Metal", "18k White Gold"), ("Weight", "6.42 g"), ("Length", "18 in"),
               ("Clasp", "Lobster")),
        description="An 18k white gold halo pendant necklace with a round brilliant center diamond, a halo of "
                    "eighteen round brilliant diamonds and pear-shaped side stones, on an 18 inch cable chain.",
        stones=stones, value="$18,500.00", value_words="Eighteen thousand, five hundred dollars and zero cents",
        appraiser="Priya Nair", credentials="GIA Graduate Gemologist",
        limiting_conditions="Stones graded as mounted; weights estimated from measurements. This appraisal "
                            "states the retail replacement value on its effective date.",
        qr_payload="AP-2026-0042 v1 3f9a2c71be04", photos=photos,
    )


def bare_page(photos: tuple[bytes, ...]) -> bytes:
    """ReportLab alone: one Letter page with each photo drawn 2 x 1.5 inches, nothing else."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(612.0, 792.0), invariant=1)
    for n, data in enumerate(photos):
        canvas.drawImage(ImageReader(io.BytesIO(data)), 54 + n * 160, 500, 144, 108)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def png_rounds(rounds: int) -> int:
    return max(3, min(20, rounds // 4))


def measure_appraisal_pdf(rounds: int, *, warmup: int = WARMUP,
                          png: int | None = None) -> tuple[Timings, dict[str, Any]]:
    """`render_appraisal_pdf` with two 1600 x 1200 JPEG photos vs `bare_page` drawing the same JPEGs.

    `rounds` timed rounds (after `warmup`) of each; then `png` (default
    `png_rounds(rounds)`) of each with the photos as PNG (~2.3 s a render without `rl_accel`). The
    target this is for: the appraisal with two photos renders in at most 300 ms.
    """
    from pos_app.documents.appraisal_pdf import render_appraisal_pdf

    start = time.perf_counter()
    jpegs = tuple(make_photo(*PHOTO_SIZE, seed=seed) for seed in (1, 2))
    pngs = tuple(make_photo(*PHOTO_SIZE, seed=seed, fmt="PNG") for seed in (1, 2))
    made_ms = (time.perf_counter() - start) * 1000
    docs = {"jpeg photos": appraisal_with_photos(jpegs), "png photos": appraisal_with_photos(pngs)}
    photos = {"jpeg photos": jpegs, "png photos": pngs}

    start = time.perf_counter()
    first = render_appraisal_pdf(docs["jpeg photos"])  # imports ReportLab's platypus, QR and image code
    first_ms = (time.perf_counter() - start) * 1000
    baseline_first = bare_page(jpegs)

    t = Timings()
    same_bytes = True
    for kind, count in (("jpeg photos", rounds), ("png photos", png_rounds(rounds) if png is None else png)):
        for n in range(warmup + count):
            for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
                start = time.perf_counter()
                try:
                    out = render_appraisal_pdf(docs[kind]) if who == "ours" else bare_page(photos[kind])
                except Exception as exc:  # noqa: BLE001 - a crash is a result here
                    t.errors.append(f"{who} {kind}: {type(exc).__name__}: {exc}")
                    continue
                ms = (time.perf_counter() - start) * 1000
                if who == "ours" and kind == "jpeg photos":
                    same_bytes = same_bytes and out == first
                if n >= warmup:
                    if kind == "jpeg photos":
                        (t.ours_ms if who == "ours" else t.raw_ms).append(ms)
                    (t.by_input if who == "ours" else t.raw_by_input).setdefault(kind, []).append(ms)
    png, png_raw = t.by_input.get("png photos", [0.0]), t.raw_by_input.get("png photos", [0.0])
    return t, {
        "rl_accel": importlib.util.find_spec("_rl_accel") is not None,
        "first_render_ms": round(first_ms, 1), "photos_made_ms": round(made_ms, 1),
        "photo_bytes": [len(p) for p in jpegs], "png_photo_bytes": [len(p) for p in pngs],
        "pdf_bytes": len(first), "baseline_pdf_bytes": len(baseline_first),
        "pages": len(re.findall(rb"/Type /Page\b", first)),
        "images_in_pdf": first.count(b"/Subtype /Image"), "same_bytes_every_render": same_bytes,
        "png_p50_ms": round(statistics.median(png), 1), "png_p95_ms": round(percentile(png, 95), 1),
        "png_raw_p50_ms": round(statistics.median(png_raw), 1),
    }
