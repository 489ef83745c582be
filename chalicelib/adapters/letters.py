"""Letters as PDF, written with the standard library only.

Why no PDF library: a dunning letter is a page of text. fpdf2 (the light candidate) pulls in
Pillow and fontTools: 13 MB of wheels, about 12 MB zipped on top of a package that botocore
already brings to 16 MB, against a 15 MB target. The PDF below uses the 14 standard fonts every
reader has (Helvetica), WinAnsiEncoding for Dutch accents and the euro sign, and plain
uncompressed content streams: a few KB per letter, readable by any viewer and by a test.

Layout: A4, the address block where a Dutch window envelope (C5/6, window on the left) shows it,
then place and date, a bold subject, and the body wrapped at a safe width; more pages when needed.
"""

from __future__ import annotations

import textwrap

from chalicelib.services.ports import Letter

A4 = (595, 842)
LEFT = 70
TOP = 790
BOTTOM = 70
BODY_SIZE = 10
LEADING = 14
# Helvetica averages about half an em per character; 88 characters at 10 pt stay inside 455 pt.
WRAP_AT = 88


def _pdf_text(text: str) -> bytes:
    """A PDF string literal in WinAnsiEncoding (cp1252): € and accents print; other characters
    (rare in Dutch names) become '?', never a broken file."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


class PdfLetterRenderer:
    def render(self, letter: Letter) -> bytes:
        lines: list[tuple[str, str, int]] = []  # (font, text, size); "" text = blank line
        for line in letter.sender_lines:
            lines.append(("F1", line, 9))
        lines += [("F1", "", BODY_SIZE)] * 4
        for line in letter.recipient_lines:
            lines.append(("F1", line, BODY_SIZE))
        lines += [("F1", "", BODY_SIZE)] * 3
        lines.append(("F1", letter.place_and_date, BODY_SIZE))
        lines.append(("F1", "", BODY_SIZE))
        if letter.subject:
            lines.append(("F2", letter.subject, 11))
            lines.append(("F1", "", BODY_SIZE))
        for paragraph in letter.body.rstrip("\n").split("\n"):
            wrapped = textwrap.wrap(
                paragraph,
                WRAP_AT,
                break_long_words=True,
                subsequent_indent="  " if paragraph.startswith("- ") else "",
            )
            for part in wrapped or [""]:
                lines.append(("F1", part, BODY_SIZE))
        return _document(_pages(lines), letter.title or letter.subject)


def _pages(lines: list[tuple[str, str, int]]) -> list[bytes]:
    pages: list[bytes] = []
    stream: list[bytes] = []
    y = TOP
    for font, text, size in lines:
        if y < BOTTOM:
            pages.append(b"\n".join(stream))
            stream, y = [], TOP
        if text:
            stream.append(b"BT /%s %d Tf %d %d Td %s Tj ET" % (font.encode(), size, LEFT, y, _pdf_text(text)))
        y -= LEADING
    pages.append(b"\n".join(stream))
    return pages


def _document(pages: list[bytes], title: str) -> bytes:
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page objects are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Producer (Debtflow) /Title %s >>" % _pdf_text(title),
    ]
    page_refs: list[bytes] = []
    for content in pages:
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content) + 1, content))
        content_number = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (*A4, content_number)
        )
        page_refs.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(page_refs), len(page_refs))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
