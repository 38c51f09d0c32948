"""Evidence in a real browser: several files in one upload, the sandboxed preview of an image
and of a PDF (pictures of its pages), delete with its confirmation, 整改前/整改后 side by side (issue 16 item 3)."""

import struct
import zlib

import pytest
from playwright.sync_api import expect

from issues.models import Evidence
from ledger.models import LedgerEntry
from tests.pdfs import make_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _png(rgb=(200, 30, 30), size=24) -> bytes:
    """A real PNG (a browser must be able to decode it)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


PDF = make_pdf(pages=2)


def _upload(page, files, kind, stage=""):
    page.get_by_test_id("evidence-add").click()
    page.set_input_files("#id_file", files=files)
    page.select_option("#id_kind", kind)
    if stage:
        page.select_option("#id_stage", stage)
    page.get_by_role("button", name="上传", exact=True).click()


def test_it_uploads_several_files_previews_and_deletes(
    cast, make_problem, as_user, shot, screenshot_dir
):
    problem = make_problem("in_progress", title="村务公开栏长期未更新")
    unit = as_user(cast.staff_a)
    unit.goto(f"/problems/{problem.pk}/")
    _upload(
        unit,
        [
            {"name": "整改前.png", "mimeType": "image/png", "buffer": _png((200, 30, 30))},
            {"name": "整改前2.png", "mimeType": "image/png", "buffer": _png((30, 30, 200))},
        ],
        "photo",
        "before",
    )
    expect(unit.get_by_test_id("evidence")).to_contain_text("整改前2.png")
    _upload(
        unit,
        [
            {"name": "整改后.png", "mimeType": "image/png", "buffer": _png((30, 160, 30))},
            {"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
        "photo",
        "after",
    )
    expect(unit.get_by_test_id("evidence")).to_contain_text("会议纪要.pdf")
    assert Evidence.objects.filter(problem=problem).count() == 4

    # Before and after side by side, each photo decoded by the browser.
    pair = unit.get_by_test_id("before-after")
    expect(pair.locator("img")).to_have_count(3)
    pair.scroll_into_view_if_needed()  # the photos load lazily
    unit.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=before-after] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    widths = pair.locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert widths == [24, 24, 24]
    boxes = [f.bounding_box() for f in pair.locator("figure").all()]
    assert boxes[0]["x"] < boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 2

    # The PDF previews as pictures of its pages in a sandboxed frame; nothing of it is
    # rendered before the preview is opened.
    pdf = Evidence.objects.get(problem=problem, file_name="会议纪要.pdf")
    rendered = []
    unit.on("request", lambda r: f"/evidence/{pdf.pk}/preview/" in r.url and rendered.append(r.url))
    unit.reload(wait_until="networkidle")
    assert rendered == []
    unit.get_by_test_id(f"preview-{pdf.pk}").locator("summary").click()
    frame = unit.get_by_test_id(f"preview-{pdf.pk}").locator("iframe")
    expect(frame).to_have_attribute("sandbox", "allow-same-origin allow-downloads")
    expect(frame).to_have_attribute("src", f"/evidence/{pdf.pk}/preview/")
    frame.scroll_into_view_if_needed()
    viewer = unit.frame_locator(f"[data-testid=preview-{pdf.pk}] iframe")
    expect(viewer.get_by_test_id("pdf-summary")).to_contain_text("共 2 页")
    expect(viewer.locator("img")).to_have_count(2)
    expect(viewer.locator("img").first).to_have_js_property("naturalWidth", 1200)
    assert rendered[0].endswith(f"/evidence/{pdf.pk}/preview/")
    assert rendered[1].endswith(f"/evidence/{pdf.pk}/preview/pages/1.png")
    # No script runs in the viewer, whatever the file.
    assert frame.evaluate("f => f.contentWindow.document.scripts.length") == 0
    image = Evidence.objects.get(problem=problem, file_name="整改后.png")
    unit.get_by_test_id(f"preview-{image.pk}").locator("summary").click()
    preview = unit.get_by_test_id(f"preview-{image.pk}").locator("img")
    expect(preview).to_be_visible()
    preview.scroll_into_view_if_needed()
    preview.evaluate("i => i.complete || new Promise(r => i.addEventListener('load', r))")
    assert preview.evaluate("i => i.naturalWidth") == 24
    response = unit.request.get(f"/evidence/{pdf.pk}/preview/pages/1.png")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-security-policy"] == "sandbox"
    shot(unit, "evidence-preview-1366")
    unit.locator("#evidence").screenshot(path=str(screenshot_dir / "evidence-section-1366.png"))

    # Delete a wrong file (the confirmation is accepted); the ledger names it.
    wrong = Evidence.objects.get(problem=problem, file_name="整改前2.png")
    unit.get_by_test_id(f"evidence-delete-{wrong.pk}").click()
    expect(unit.get_by_test_id("evidence")).not_to_contain_text("整改前2.png")
    assert not Evidence.objects.filter(pk=wrong.pk).exists()
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert (entry.action, entry.changes["evidence"]) == ("evidence_delete", ["整改前2.png", None])
    expect(unit.locator("#timeline, [data-testid=timeline]").first).to_contain_text("删除佐证材料")

    unit.set_viewport_size({"width": 390, "height": 844})
    unit.reload()
    assert unit.evaluate("document.documentElement.scrollWidth") <= 390
    shot(unit, "evidence-390")
    unit.locator("#evidence").screenshot(path=str(screenshot_dir / "evidence-section-390.png"))
