"""The letter PDF is a valid file (every cross-reference points at its object) with the text as written."""

from __future__ import annotations

import re

from chalicelib.adapters.letters import PdfLetterRenderer
from chalicelib.services.ports import Letter
from tests.unit.test_dunning_walkthrough import pdf_text


def _letter(body: str) -> bytes:
    return PdfLetterRenderer().render(
        Letter(
            sender_lines=("Café De Hoek",),
            recipient_lines=("Zoë Çelik", "Kerkstraat 1", "1011 AA Amsterdam"),
            place_and_date="3 maart 2026",
            subject="Betaal nu (kenmerk 10023)",
            body=body,
        )
    )


def test_the_cross_reference_table_points_at_every_object() -> None:
    pdf = _letter("Totaal open: € 1.234,56\n\n" + "Een lange regel tekst. " * 400)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[startxref:].startswith(b"xref")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", pdf)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert b"/Count 3" in pdf  # the long body flows onto further pages


def test_accents_the_euro_sign_and_brackets_come_out_as_written() -> None:
    text = pdf_text(_letter("Totaal open: € 1.234,56 (inclusief btw)"))
    assert "Zoë Çelik" in text
    assert "Totaal open: € 1.234,56 (inclusief btw)" in text
    assert "Betaal nu (kenmerk 10023)" in text
