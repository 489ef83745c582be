"""Letters as PDF with fpdf2, in a Dutch business-letter layout (NEN 1026 style).

Why a library: the 14 standard PDF fonts stop at Windows-1252, so ĳ, ş, ı, ğ, ł and ő printed
as "?" in Turkish and Polish names. fpdf2 embeds a TrueType font and subsets it to the glyphs a
letter uses (a few KB per letter); the font is DejaVu Sans cut to the Latin script
(chalicelib/fonts/README.md).

Layout on A4, in mm: the sender's letterhead top right; the return line and the address where
the window of a Dutch window envelope (EA5/6, C5; window 20 mm from the left, 50 mm from the
top) shows them; the reference line (our reference, debtor number, date); the subject in bold;
the body; a framed block saying how to pay (amount, IBAN, reference) beside a QR code of the
payment link; a page footer with the sender's registration details. Amounts keep "€" and the
figure together (a non-breaking space), so a line never ends with a lonely euro sign.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from chalicelib.services.ports import Letter

FONTS = Path(__file__).resolve().parents[1] / "fonts"
FAMILY = "DejaVu"
NBSP = "\u00a0"

LEFT = 22.0
RIGHT = 20.0
WIDTH = 210.0 - LEFT - RIGHT
ADDRESS_TOP = 50.0
ADDRESS_WIDTH = 85.0
REFERENCES_TOP = 100.0
FOOTER_FROM_BOTTOM = 18.0
QR_SIZE = 26.0


def keep_amounts_together(text: str) -> str:
    """`€ 40,00` must never break after the euro sign."""
    return text.replace("€ ", "€" + NBSP)


class _Page(FPDF):
    def __init__(self, letter: Letter) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letter = letter

    def footer(self) -> None:
        self.set_font(FAMILY, size=7)
        self.set_text_color(90, 90, 90)
        if self.letter.page_label:
            self.set_xy(LEFT, -FOOTER_FROM_BOTTOM - 4)
            label = self.letter.page_label.format(page=self.page_no(), pages="{nb}")
            self.cell(WIDTH, 3.4, label, align="R")
        self.set_draw_color(180, 180, 180)
        self.line(LEFT, 297 - FOOTER_FROM_BOTTOM, LEFT + WIDTH, 297 - FOOTER_FROM_BOTTOM)
        if self.letter.footer:
            self.set_xy(LEFT, -FOOTER_FROM_BOTTOM + 1.5)
            self.multi_cell(WIDTH, 3.4, keep_amounts_together(self.letter.footer), align="C")
        self.set_text_color(0, 0, 0)


class PdfLetterRenderer:
    def render(self, letter: Letter) -> bytes:
        pdf = _Page(letter)
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans-Latin.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold-Latin.ttf"))
        pdf.set_margins(LEFT, 15, RIGHT)
        pdf.set_auto_page_break(True, margin=FOOTER_FROM_BOTTOM + 7)
        # Same letter, same bytes: an S3 put of a redelivered step stores the identical file.
        pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
        pdf.set_title(letter.title or letter.subject)
        pdf.set_producer("Debtflow")
        pdf.alias_nb_pages()
        pdf.add_page()
        _letterhead(pdf, letter)
        _address(pdf, letter)
        _references(pdf, letter)
        _subject_and_body(pdf, letter)
        if letter.payment is not None:
            _payment(pdf, letter)
        return bytes(pdf.output())


def _letterhead(pdf: FPDF, letter: Letter) -> None:
    sender = letter.sender
    x, width = 100.0, 210.0 - RIGHT - 100.0
    pdf.set_xy(x, 15)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(width, 5.5, sender.name, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=8.5)
    for line in sender.details():
        pdf.set_x(x)
        pdf.multi_cell(width, 4, keep_amounts_together(line), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _address(pdf: FPDF, letter: Letter) -> None:
    return_line = " · ".join([letter.sender.name, *letter.sender.address_lines])
    if letter.recipient_lines:
        pdf.set_xy(LEFT, ADDRESS_TOP - 5)
        pdf.set_font(FAMILY, size=6.5)
        pdf.cell(ADDRESS_WIDTH, 3, return_line[:90])
    pdf.set_xy(LEFT, ADDRESS_TOP)
    pdf.set_font(FAMILY, size=10)
    for line in letter.recipient_lines:
        pdf.set_x(LEFT)
        pdf.multi_cell(ADDRESS_WIDTH, 4.8, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _references(pdf: FPDF, letter: Letter) -> None:
    pdf.set_y(max(pdf.get_y() + 6, REFERENCES_TOP) if letter.recipient_lines else max(pdf.get_y() + 6, 45.0))
    columns = (
        [*letter.references, ("", letter.place_and_date)] if letter.place_and_date else [*letter.references]
    )
    if not columns:
        return
    width = WIDTH / len(columns)
    top = pdf.get_y()
    pdf.set_font(FAMILY, size=7)
    pdf.set_text_color(90, 90, 90)
    for index, (label, _) in enumerate(columns):
        pdf.set_xy(LEFT + index * width, top)
        pdf.cell(width, 3.5, label)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, size=9.5)
    for index, (_, value) in enumerate(columns):
        pdf.set_xy(LEFT + index * width, top + 3.8)
        pdf.cell(width, 4.5, value)
    pdf.set_xy(LEFT, top + 14)


def _subject_and_body(pdf: FPDF, letter: Letter) -> None:
    if letter.subject:
        pdf.set_font(FAMILY, "B", 10.5)
        pdf.multi_cell(
            WIDTH, 5.2, keep_amounts_together(letter.subject), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(4)
    pdf.set_font(FAMILY, size=10)
    for paragraph in letter.body.rstrip("\n").split("\n"):
        text = keep_amounts_together(paragraph)
        if not text.strip():
            pdf.ln(2.6)
            continue
        if text.startswith("- "):
            pdf.set_x(LEFT + 4)
            pdf.multi_cell(
                WIDTH - 4, 5, "•" + NBSP + text[2:], align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        else:
            pdf.multi_cell(WIDTH, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _payment(pdf: FPDF, letter: Letter) -> None:
    payment = letter.payment
    assert payment is not None
    lines = [keep_amounts_together(line) for line in payment.text.strip("\n").split("\n")]
    text_width = WIDTH - QR_SIZE - 12
    height = max(QR_SIZE + 6, 5 * len(lines) + 8)
    if pdf.will_page_break(height + 6):
        pdf.add_page()
    pdf.ln(5)
    top = pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(LEFT, top, WIDTH, height)
    pdf.set_xy(LEFT + 3, top + 3)
    for index, line in enumerate(lines):
        pdf.set_font(FAMILY, "B" if index == 0 else "", 9.5)
        pdf.set_x(LEFT + 3)
        pdf.multi_cell(text_width, 5, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if payment.url:
        _qr_code(pdf, payment.url, LEFT + WIDTH - QR_SIZE - 3, top + 3)
    pdf.set_xy(LEFT, top + height + 4)


def _qr_code(pdf: FPDF, url: str, x: float, y: float) -> None:
    """The payment link as a QR code of vector squares (no image): a phone's camera opens it."""
    matrix = segno.make_qr(url, error="m").matrix
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            run = column
            while run < len(cells) and cells[run]:
                run += 1
            pdf.rect(x + column * module, y + row * module, (run - column) * module, module, style="F")
            column = run
