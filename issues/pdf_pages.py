"""A PDF's first pages as PNG pictures, for the evidence preview (issue 16 item 3).

Chromium runs its PDF viewer neither in a sandboxed frame nor in a CSP-sandboxed document, so
an inline PDF shows nothing. Instead the pages are rendered here with PDFium (pypdfium2, the
library Chromium itself uses, built without JavaScript or XFA) and the browser only ever
receives pixels.

Any unit user may upload a PDF, so it is treated as hostile. PDFium is C++: the file is parsed
and rendered in a child process with its own CPU-time, memory and wall-clock limits, so a
crash, an endless loop or a memory bomb costs that child, never the web worker. What is
rendered is bounded whatever the file claims: at most PREVIEW_PAGES pages (a 100 000-page file
only has its page tree counted), each at most MAX_WIDTH × MAX_HEIGHT pixels whatever its page
box says (a 200-inch page is scaled down; a thin strip stays thin).

This module imports no Django: the child runs it as a plain script.
"""

import io
import math
import resource
import subprocess
import sys

PREVIEW_PAGES = 10
MAX_WIDTH = 1200  # pixels: a page is rendered at most this wide…
MAX_HEIGHT = 2400  # …and this tall (so at most 2.9 million pixels)
CPU_SECONDS = 10  # the child's own CPU time (RLIMIT_CPU)
MEMORY_BYTES = 1024 * 1024 * 1024  # the child's address space (RLIMIT_AS)
WALL_SECONDS = 20  # the parent kills a child that takes longer

# The child's exit codes.
_OK, _ENCRYPTED, _BROKEN, _NO_PAGE = 0, 3, 4, 5
# pypdfium2's error code for a document that needs a password (FPDF_ERR_PASSWORD).
_PDFIUM_PASSWORD = 4


class PdfUnreadable(Exception):
    """The file cannot be previewed; `encrypted` tells a password-protected one apart."""

    def __init__(self, encrypted: bool = False):
        super().__init__("encrypted" if encrypted else "broken")
        self.encrypted = encrypted


class NoSuchPage(Exception):
    """The page is past the document's end or past PREVIEW_PAGES."""


def pdf_page_count(data: bytes) -> int:
    """The number of pages of the PDF in `data`; PdfUnreadable if it cannot be opened."""
    return int(_run(data, "count").decode("ascii"))


def pdf_page_png(data: bytes, number: int) -> bytes:
    """Page `number` (1-based, at most PREVIEW_PAGES) as a PNG within the pixel bounds."""
    if not 1 <= number <= PREVIEW_PAGES:
        raise NoSuchPage(number)
    return _run(data, "page", str(number))


def _run(data: bytes, *args: str) -> bytes:
    try:
        # This interpreter running this file, no shell; the PDF travels on stdin.
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-I", __file__, *args],
            input=data,
            capture_output=True,
            timeout=WALL_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PdfUnreadable() from None
    if done.returncode == _OK:
        return done.stdout
    if done.returncode == _NO_PAGE:
        raise NoSuchPage(args)
    # Encrypted, broken, or the child died (a signal, a limit reached).
    raise PdfUnreadable(encrypted=done.returncode == _ENCRYPTED)


# --- the child ---------------------------------------------------------------------------


def _limit_self() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes no file


def render_scale(width: float, height: float) -> float:
    """Points to pixels: as large as fits MAX_WIDTH × MAX_HEIGHT, never more."""
    return min(MAX_WIDTH / width, MAX_HEIGHT / height)


def _render(pdf, number: int) -> bytes:
    page = pdf[number - 1]
    width, height = page.get_size()
    if page.get_rotation() in (90, 270):
        width, height = height, width
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise ValueError("no page box")
    bitmap = page.render(scale=render_scale(width, height))
    image = bitmap.to_pil()
    if image.width > MAX_WIDTH or image.height > MAX_HEIGHT:  # rounding, or PDFium's own idea
        image.thumbnail((MAX_WIDTH, MAX_HEIGHT))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _child(args: list[str]) -> int:
    _limit_self()
    import pypdfium2  # loaded under the limits, in the child only

    data = sys.stdin.buffer.read()
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        return _ENCRYPTED if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD else _BROKEN
    try:
        count = len(pdf)
        if args[0] == "count":
            result = str(count).encode("ascii")
        else:
            number = int(args[1])
            if not 1 <= number <= min(count, PREVIEW_PAGES):
                return _NO_PAGE
            result = _render(pdf, number)
    except (pypdfium2.PdfiumError, ValueError, OSError):
        return _BROKEN
    sys.stdout.buffer.write(result)
    return _OK


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
