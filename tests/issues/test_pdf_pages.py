"""issues.pdf_pages: a hostile PDF costs a bounded child process, never the web worker."""

import time

import pytest

from issues import pdf_pages
from issues.pdf_pages import (
    MAX_HEIGHT,
    MAX_WIDTH,
    NoSuchPage,
    PdfUnreadable,
    pdf_page_count,
    pdf_page_png,
    render_scale,
)
from tests.pdfs import make_pdf


def test_it_counts_a_hundred_thousand_pages_without_rendering_them():
    started = time.monotonic()
    assert pdf_page_count(make_pdf(pages=100_000)) == 100_000
    assert time.monotonic() - started < pdf_pages.WALL_SECONDS


@pytest.mark.parametrize(
    ("size", "fits"),
    [
        ((595, 842), (MAX_WIDTH, MAX_WIDTH * 842 / 595)),  # A4: as wide as allowed
        ((842, 595), (MAX_WIDTH, MAX_WIDTH * 595 / 842)),
        ((14400, 14400), (MAX_WIDTH, MAX_WIDTH)),  # the largest page box PDF allows
        ((1, 14400), (1 / 6, MAX_HEIGHT)),  # a strip stays a strip, never taller
        ((1, 1), (MAX_WIDTH, MAX_WIDTH)),
    ],
)
def test_it_scales_every_page_box_into_the_bounds(size, fits):
    scale = render_scale(*size)
    assert size[0] * scale == pytest.approx(fits[0])
    assert size[1] * scale == pytest.approx(fits[1])


def test_it_refuses_page_numbers_outside_the_preview_before_starting_a_child(monkeypatch):
    monkeypatch.setattr(pdf_pages.subprocess, "run", None)  # would fail if called
    for number in (0, -1, pdf_pages.PREVIEW_PAGES + 1):
        with pytest.raises(NoSuchPage):
            pdf_page_png(make_pdf(pages=20), number)


def test_it_gives_up_on_a_child_that_takes_too_long(monkeypatch):
    monkeypatch.setattr(pdf_pages, "WALL_SECONDS", 0.001)
    with pytest.raises(PdfUnreadable) as caught:
        pdf_page_png(make_pdf(), 1)
    assert not caught.value.encrypted


def test_it_tells_an_encrypted_file_from_a_broken_one():
    with pytest.raises(PdfUnreadable) as caught:
        pdf_page_count(make_pdf(encrypted=True))
    assert caught.value.encrypted
    for junk in (b"", b"%PDF-1.7\n", b"GIF89a" + b"\x00" * 64):
        with pytest.raises(PdfUnreadable) as caught:
            pdf_page_count(junk)
        assert not caught.value.encrypted
