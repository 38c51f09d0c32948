"""The embedded default holds a real office (issue 11): scripts/run's gunicorn (threads in two
processes, tracker/gunicorn_embedded.py) on a migrated SQLite file, driven over real HTTP.

Before: 12 parallel progress reports gave 2 × 201 and 10 × 500 "database is locked", and two
reviewers approving one step got 200 and 500. Now every report is stored, exactly one
approval of each step wins and the others get 409, and nothing answers 500.

The server runs on its own SQLite file in a temporary directory, whatever database the rest
of the suite uses; its data is made through the services (tests/embedded_office.py).
"""

import http.client
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

BASE_DIR = Path(__file__).resolve().parent.parent
WRITERS = 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(port, office): gunicorn serving a fresh, migrated SQLite file with a small office."""
    home = tmp_path_factory.mktemp("embedded")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "MEDIA_ROOT": str(home / "media"),
        "CACHE_URL": "locmemcache://",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    python = sys.executable

    def run(*args):
        done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run(python, "manage.py", "migrate", "--noinput", "-v", "0")
    office = json.loads(run(python, "-m", "tests.embedded_office").strip().splitlines()[-1])
    office["db"] = home / "db.sqlite3"
    office["run"] = run
    port = free_port()
    log = open(home / "gunicorn.log", "w")  # closed below
    process = subprocess.Popen(
        [
            *(python, "-m", "gunicorn", "-c", "tracker/gunicorn_embedded.py"),
            *("-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (home / "gunicorn.log").read_text()[-3000:]
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        office["tokens"] = {
            name: sign_in(port, name, office["password"])
            for name in {office["reporter"], office["office_admin"], *office["reviewers"]}
        }
        yield port, office
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def request(port, method, path, body=None, token=None, headers=None):
    """(status, parsed JSON or raw bytes) over a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Token {token}"
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    is_json = response.getheader("Content-Type", "").startswith("application/json")
    return response.status, json.loads(raw) if is_json and raw else raw


def sign_in(port, username, password) -> str:
    status, body = request(
        port, "POST", "/api/v1/auth/token/", {"username": username, "password": password}
    )
    assert status == 200, body
    return body["token"]


def test_concurrent_writers_and_approvals_get_no_500_and_one_winner_per_step(server):
    port, office = server
    tokens = office["tokens"]
    calls = []
    for n in range(WRITERS):
        problem = office["progress_problems"][n % len(office["progress_problems"])]
        report = {"period": "2026-03", "content": f"第{n}份进展", "percent": 50}
        calls.append(
            ("progress", problem, f"/api/v1/problems/{problem}/progress/", report, "reporter")
        )
    for problem in office["closeout_problems"]:
        path = f"/api/v1/problems/{problem}/actions/approve_closeout/"
        for reviewer in office["reviewers"]:
            calls.append(("approve", problem, path, {"comment": "同意"}, reviewer))
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def call(i, path, body, who):
        token = tokens[office["reporter"] if who == "reporter" else who]
        barrier.wait(timeout=30)
        try:
            status, answer = request(port, "POST", path, body, token)
            results[i] = (status, answer.get("code") if isinstance(answer, dict) else None)
        except Exception as exc:  # the test must show it, not hang on it
            results[i] = (None, repr(exc))

    threads = [
        threading.Thread(target=call, args=(i, path, body, who))
        for i, (_kind, _problem, path, body, who) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    progress = [r for (kind, *_), r in zip(calls, results, strict=True) if kind == "progress"]
    assert progress == [(201, None)] * WRITERS, results
    for problem in office["closeout_problems"]:
        step = Counter(
            r[0] for (kind, p, *_), r in zip(calls, results, strict=True) if p == problem
        )
        assert step == {200: 1, 409: len(office["reviewers"]) - 1}, results
    conflicts = {r for r in results if r[0] == 409}
    assert conflicts == {(409, "invalid_transition")}

    with sqlite3.connect(office["db"]) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM issues_progressreport").fetchone()[0] == WRITERS
        closed = db.execute("SELECT COUNT(*) FROM issues_problem WHERE status = 'closed'")
        assert closed.fetchone()[0] == len(office["closeout_problems"])
    assert "ok" in office["run"](sys.executable, "manage.py", "verify_ledger").lower()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_a_fresh_installation_imports_a_ledger_of_the_six_theme_categories(server):
    port, office = server
    wb = Workbook()
    wb.active.append(["问题描述", "问题类别", "牵头单位", "整改时限"])
    themes = ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]
    for n, theme in enumerate(themes, 1):
        wb.active.append([f"第{n}个问题", theme, "教育局", "2099-06-30"])
    data = io.BytesIO()
    wb.save(data)
    body, content_type = multipart(
        {"batch": office["batch"], "dry_run": "false"}, {"file": ("问题清单.xlsx", data.getvalue())}
    )
    status, answer = request(
        port,
        "POST",
        "/api/v1/imports/problems/",
        body,
        office["tokens"][office["office_admin"]],
        {"Content-Type": content_type},
    )
    assert (status, answer) == (200, {"created": 6, "dry_run": False, "errors": []})


def test_an_over_limit_body_is_refused_before_it_is_sent(server):
    """Only the headers go out; the 413 comes back at once, the gigabyte never follows."""
    port, office = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/problems/1/evidence/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Token " + office["tokens"][office["reporter"]].encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 1073741824\r\n\r\n"
        )
        started = time.monotonic()
        answer = b""
        while b"file_too_large" not in answer and time.monotonic() - started < 5:
            answer += s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"file_too_large"' in answer and time.monotonic() - started < 5
