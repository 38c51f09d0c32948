"""The PDF preview: page pictures rendered on the server, bounded, sandboxed, in scope
(issue 16 item 3)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from issues.pdf_pages import MAX_HEIGHT, MAX_WIDTH, PREVIEW_PAGES
from issues.services.reports import evidence_upload
from tests.pdfs import make_pdf


@pytest.fixture
def problem(make_problem):
    return make_problem("in_progress")


@pytest.fixture
def upload(cast, problem):
    def upload(content, name="纪要.pdf"):
        file = SimpleUploadedFile(name, content)
        return evidence_upload(actor=cast.staff_a, problem_id=problem.pk, upload=file)

    return upload


def _picture(response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def test_it_shows_a_pdf_as_pictures_of_its_pages(cast, web, upload):
    pdf = upload(make_pdf(pages=3))
    r = web(cast.viewer_a).get(f"/evidence/{pdf.pk}/preview/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    assert r["Content-Security-Policy"].startswith("sandbox allow-same-origin allow-downloads;")
    assert "script-src" not in r["Content-Security-Policy"]  # default-src 'none' covers it
    assert r["X-Frame-Options"] == "SAMEORIGIN"
    assert r["X-Content-Type-Options"] == "nosniff"
    page = r.content.decode()
    assert "共 3 页。" in page
    for n in (1, 2, 3):
        assert f'src="/evidence/{pdf.pk}/preview/pages/{n}.png"' in page
    assert f"/api/v1/evidence/{pdf.pk}/download/" in page


def test_it_answers_a_page_as_a_sandboxed_png_within_the_bounds(cast, web, upload):
    pdf = upload(make_pdf(pages=2))
    r = web(cast.viewer_a).get(f"/evidence/{pdf.pk}/preview/pages/2.png")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["Content-Security-Policy"] == "sandbox"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Cache-Control"] == "private, no-store"
    picture = _picture(r)
    assert picture.width == MAX_WIDTH  # A4 portrait, as wide as allowed
    assert abs(picture.height - MAX_WIDTH * 842 / 595) <= 1
    assert picture.getpixel((200, 1500))[:3] != (255, 255, 255)  # the red rectangle
    assert picture.getpixel((800, 500))[:3] == (255, 255, 255)


def test_it_previews_only_the_first_pages_of_a_long_pdf(cast, web, upload):
    pdf = upload(make_pdf(pages=PREVIEW_PAGES + 2))
    client = web(cast.viewer_a)
    page = client.get(f"/evidence/{pdf.pk}/preview/").content.decode()
    assert f"共 {PREVIEW_PAGES + 2} 页，预览前 {PREVIEW_PAGES} 页。" in page
    assert page.count("<img ") == PREVIEW_PAGES
    assert client.get(f"/evidence/{pdf.pk}/preview/pages/{PREVIEW_PAGES}.png").status_code == 200
    # Past the bound, and past the end of a short document: no picture.
    beyond = client.get(f"/evidence/{pdf.pk}/preview/pages/{PREVIEW_PAGES + 1}.png")
    assert beyond.status_code == 404
    short = upload(make_pdf(pages=2))
    assert client.get(f"/evidence/{short.pk}/preview/pages/3.png").status_code == 404
    assert client.get(f"/evidence/{short.pk}/preview/pages/0.png").status_code == 404


def test_it_scales_a_huge_page_box_down(cast, web, upload):
    pdf = upload(make_pdf(size=(14400, 14400)))  # 200 × 200 inches, PDF's largest
    picture = _picture(web(cast.viewer_a).get(f"/evidence/{pdf.pk}/preview/pages/1.png"))
    assert picture.size == (MAX_WIDTH, MAX_WIDTH)
    strip = upload(make_pdf(size=(10, 14400)))
    picture = _picture(web(cast.viewer_a).get(f"/evidence/{strip.pk}/preview/pages/1.png"))
    assert picture.height == MAX_HEIGHT and picture.width <= 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (make_pdf(encrypted=True), "该 PDF 文件已加密，无法预览，请下载后查看。"),
        (
            b"%PDF-1.4\n1 0 obj <<>> endobj\n",
            "该 PDF 文件已损坏或无法解析，无法预览，请下载后查看。",
        ),
    ],
)
def test_it_refuses_an_encrypted_or_broken_pdf_with_a_message(cast, web, upload, content, message):
    pdf = upload(content)
    client = web(cast.viewer_a)
    r = client.get(f"/evidence/{pdf.pk}/preview/")
    assert r.status_code == 200
    assert message in r.content.decode()
    assert "<img " not in r.content.decode()
    assert client.get(f"/evidence/{pdf.pk}/preview/pages/1.png").status_code == 404


def test_it_keeps_the_pages_in_the_same_scope_as_the_file(cast, web, upload):
    pdf = upload(make_pdf())
    for url in (f"/evidence/{pdf.pk}/preview/", f"/evidence/{pdf.pk}/preview/pages/1.png"):
        assert web(cast.outsider).get(url).status_code == 404
        assert web(None).get(url).status_code == 302  # to log in
        assert web(cast.staff_a).get(url).status_code == 200


def test_it_has_no_page_pictures_for_an_image(cast, web, upload):
    png = upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, name="现场.png")
    assert web(cast.staff_a).get(f"/evidence/{png.pk}/preview/pages/1.png").status_code == 404
