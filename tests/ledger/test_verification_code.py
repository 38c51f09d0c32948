"""The 台账校验码 leaves the database: on every exported ledger (xlsx footer, CSV last line),
every printed 销号申请单 and 整改情况报告, to an outside witness (LEDGER_WITNESS_URL), and to
the archive file of `export_ledger_checkpoints`. A code read off a printed form later exposes
a rewrite of the database."""

import csv
import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from ledger.checkpoints import ledger_checkpoint_take
from ledger.models import LedgerCheckpoint
from tests.ledger.dba import behind_the_triggers_back
from tests.ledger.test_checkpoints import append_note, rewrite_and_recompute

CODE = re.compile(r"台账校验码：(\d+-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})")


@pytest.fixture
def problem(make_problem):
    return make_problem("closeout_review")


def printed(user, url) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, text[-500:]
    return match.group(1)


def docx_lines(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text]


def xlsx_cells(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value]


# --- on paper and in files --------------------------------------------------------------------


def test_printing_takes_a_checkpoint_only_when_there_is_none(cast, problem):
    page = printed(cast.oa, f"/print/problems/{problem.pk}/closeout/")

    checkpoint = LedgerCheckpoint.objects.get()
    assert code_in(page) == checkpoint.code
    append_note()
    again = printed(cast.admin_a, f"/print/units/{cast.unit_a.pk}/report/")
    assert code_in(again) == checkpoint.code  # the newest one; printing wrote nothing new
    assert LedgerCheckpoint.objects.count() == 1


def test_every_export_and_form_carries_the_newest_code(cast, problem, api, _today):
    ledger_checkpoint_take()
    append_note()
    _today.shift(60)
    code = ledger_checkpoint_take().code
    client = api(cast.oa)

    pages = [
        printed(cast.oa, f"/print/problems/{problem.pk}/closeout/"),
        printed(cast.oa, f"/print/units/{cast.unit_a.pk}/report/"),
    ]
    sheets = [
        xlsx_cells(client.get(f"/api/v1/problems/{problem.pk}/closeout-form.xlsx").content),
        xlsx_cells(client.get(f"/api/v1/units/{cast.unit_a.pk}/report.xlsx").content),
        xlsx_cells(b"".join(client.get("/api/v1/exports/ledger.xlsx").streaming_content)),
    ]
    csv_text = b"".join(client.get("/api/v1/exports/ledger.csv").streaming_content).decode()
    documents = [
        docx_lines(client.get(f"/api/v1/problems/{problem.pk}/closeout-form.docx").content),
        docx_lines(
            client.get("/api/v1/reports/rectification.docx", {"batch": cast.batch.pk}).content
        ),
    ]

    for page in pages:
        assert code_in(page) == code
    for cells in sheets:
        assert code_in(cells[-1]) == code  # the sheet's last line
    for lines in documents:
        assert code_in(lines[-1]) == code
    last_line = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))[-1]
    assert code_in(last_line[0]) == code


def test_a_code_from_a_printed_form_exposes_a_later_rewrite(cast, problem, api, capsys):
    paper = code_in(printed(cast.oa, f"/print/problems/{problem.pk}/closeout/"))
    append_note()
    call_command("verify_ledger", checkpoint=paper)

    rewrite_and_recompute(3)  # years later, by whoever holds the database
    with behind_the_triggers_back() as cursor:
        cursor.execute("DELETE FROM ledger_ledgercheckpoint")

    with pytest.raises(CommandError, match="does NOT hold"):
        call_command("verify_ledger", checkpoint=paper)
    body = api(cast.rev).get("/api/v1/ledger/verify/", {"checkpoint": paper}).json()
    assert (body["ok"], body["checkpoint_ok"]) == (True, False)


# --- the witness and the archive file ----------------------------------------------------------


class _Witness(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def witness():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Witness)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/ledger"
    yield server
    server.shutdown()
    server.server_close()


def check_signature(document, public_key_hex):
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    public.verify(bytes.fromhex(document["signature"]), document["signed_message"].encode())
    assert document["signed_message"].endswith(f":{document['seq']}:{document['head_hash']}")


def test_it_posts_each_new_checkpoint_to_the_witness(
    cast, problem, settings, witness, django_capture_on_commit_callbacks
):
    settings.LEDGER_WITNESS_URL = witness.url
    with django_capture_on_commit_callbacks(execute=True):  # the push runs after commit
        checkpoint = ledger_checkpoint_take()

    [document] = witness.received
    assert document["code"] == checkpoint.code
    check_signature(document, document["public_key"])
    assert LedgerCheckpoint.objects.get().witness_status == "sent"


def test_a_failing_witness_is_recorded_and_not_fatal(
    cast, problem, settings, witness, django_capture_on_commit_callbacks
):
    settings.LEDGER_WITNESS_URL = witness.url
    witness.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        ledger_checkpoint_take()
    witness.shutdown()
    witness.server_close()
    append_note()
    with django_capture_on_commit_callbacks(execute=True):
        ledger_checkpoint_take()  # nobody listens at all now

    first, second = LedgerCheckpoint.objects.order_by("id")
    assert (first.witness_status, second.witness_status) == ("failed", "failed")
    assert "503" in first.witness_error or "Service" in first.witness_error
    assert second.witness_error


def test_it_exports_the_checkpoints_for_the_archive(cast, problem, tmp_path):
    ledger_checkpoint_take()
    append_note()
    ledger_checkpoint_take()
    target = tmp_path / "checkpoints.json"

    call_command("export_ledger_checkpoints", output=str(target))

    archive = json.loads(target.read_text(encoding="utf-8"))
    assert archive["algorithm"] == "Ed25519"
    assert [c["code"] for c in archive["checkpoints"]] == [
        c.code for c in LedgerCheckpoint.objects.order_by("seq")
    ]
    for document in archive["checkpoints"]:
        check_signature(document, archive["public_key"])  # the public key alone suffices
