"""Drive scripts/stack from the tests: its processes, its database, its HTTP API.

Nothing here touches the test process's Django database: the stack has its own PostgreSQL
cluster and Redis, read through psycopg and HTTP only.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "stack"
# The caller's services must not leak into the stack's processes (scripts/stack unsets
# them too; this also keeps them out of manage.py runs).
FOREIGN = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "REDIS_URL",
    "CACHE_URL",
    "DJANGO_SETTINGS_MODULE",
)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Stack:
    def __init__(self, directory: Path, **settings: str):
        self.dir = Path(directory)
        self.settings = settings

    # --- processes ----------------------------------------------------------------------
    def _base_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
        env.update(self.settings)
        return env

    def script(self, command: str, *services: str, timeout: float = 240):
        result = subprocess.run(
            [str(SCRIPT), command, str(self.dir), *services],
            env=self._base_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0 and command != "status":
            raise AssertionError(
                f"scripts/stack {command} {' '.join(services)} failed:\n"
                f"{result.stdout}\n{result.stderr}\n{self.logs_tail()}"
            )
        return result

    def start(self, *services: str):
        self.script("start", *services)

    def stop(self, *services: str):
        self.script("stop", *services)

    @property
    def env(self) -> dict:
        lines = (self.dir / "env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def pid(self, service: str) -> int | None:
        path = self.dir / "pids" / f"{service}.pid"
        try:
            pid = int(path.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if process_state(pid) not in (None, "Z") else None

    def kill(self, service: str, sig=signal.SIGKILL):
        """Signal the service's whole process group (main process and pool children), as
        when its machine or container dies, and wait until the group is gone."""
        pid = self.pid(service)
        assert pid is not None, f"{service} is not running"
        os.killpg(pid, sig)
        wait_until(lambda: not live_group_members(pid), timeout=10, what=f"{service} to die")

    def pause(self, service: str):
        """Freeze a service (SIGSTOP), e.g. beat: the clock stops, nothing else changes."""
        os.kill(self.pid(service), signal.SIGSTOP)

    def resume(self, service: str):
        os.kill(self.pid(service), signal.SIGCONT)

    def send_tasks(self, name: str, calls: list[tuple]):
        """Queue a task once per argument tuple on the stack's broker, by name, as beat or
        a web process would (the test process's own Celery app points elsewhere)."""
        from celery import Celery

        # Not the current app: shared tasks of the rest of the suite must keep resolving to
        # tracker's app, not to this client of a stack that is gone after the module.
        client = Celery("e2e-client", broker=self.env["CELERY_BROKER_URL"], set_as_current=False)
        try:
            with client.producer_or_acquire() as producer:
                for args in calls:
                    client.send_task(name, args=list(args), producer=producer)
        finally:
            client.close()

    def manage(self, *args: str, timeout: float = 120) -> str:
        env = {**self._base_env(), **self.env, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
        assert result.returncode == 0, f"manage.py {args}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def log(self, service: str) -> str:
        path = self.dir / "logs" / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs_tail(self, lines: int = 15) -> str:
        out = []
        for path in sorted((self.dir / "logs").glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(out)

    # --- the stack's database -----------------------------------------------------------
    def sql(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def scalar(self, query: str, params=None):
        return self.sql(query, params)[0][0]

    # --- HTTP ---------------------------------------------------------------------------
    def api(self, token: str | None = None) -> "Api":
        return Api(self.env["WEB_URL"], token)


def _stat(path: Path) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, pgrp, …"""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_state(pid: int) -> str | None:
    fields = _stat(Path(f"/proc/{pid}/stat"))
    return fields[0] if fields else None


def live_group_members(pgid: int) -> list[int]:
    """Processes of a process group that are not zombies (dead, but not yet reaped)."""
    members = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(path)
        if fields and int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(path.parent.name))
    return members


class HttpError(AssertionError):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body


class Api:
    """A JSON client for /api/v1/ with token authentication, over real HTTP."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base.rstrip("/"), token

    def request(self, method: str, path: str, data=None, *, expect=(200, 201)):
        headers = {"Accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        payload = json.loads(raw) if raw else None
        if status not in expect:
            raise HttpError(status, payload)
        return payload

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data if data is not None else {}, **kw)

    def login(self, username: str, password: str) -> "Api":
        token = self.post("/api/v1/auth/token/", {"username": username, "password": password})
        return Api(self.base, token["token"])


class WebhookSink:
    """A local HTTP endpoint that counts webhook POSTs per Idempotency-Key (the event)."""

    def __init__(self):
        self.calls: dict[str, int] = {}
        lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    key = self.headers.get("Idempotency-Key", "")
                    sink.calls[key] = sink.calls.get(key, 0) + 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self.server.shutdown()
        self.server.server_close()
