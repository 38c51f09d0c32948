"""Shared helpers for the benchmarks: Django set-up, scratch databases, the machine, timing.

Benchmarks run against PostgreSQL: DATABASE_URL names the server (and a database the role can
connect to); each benchmark creates its own scratch databases beside it and drops them after.
"""

import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        autocommit=True,
    )


def create_database(url: str, name: str) -> str:
    """A fresh, empty database `name` on the server of `url`; returns its URL."""
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine(url: str) -> dict:
    """What the numbers were measured on."""
    info = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_1m": round(os.getloadavg()[0], 2),
    }
    with admin_connection(url) as conn:
        info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit"):
            info[name] = conn.execute(f"SHOW {name}").fetchone()[0]
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_child(script: Path, args: list[str], database_url: str) -> dict:
    """Run `script --child args` with DATABASE_URL set; stream its output; return its result."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script), "--child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    result = None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0 or result is None:
        sys.exit(f"{script.name} child failed (exit {proc.returncode})")
    return result


def report(result: dict) -> None:
    """The child's last line: what the parent reads back."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


def summary(values: list[float]) -> dict:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "p90": statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0],
        "max": max(values),
        "all": values,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def generated_database(
    url: str, name: str, problems: int, *, seed: int, reuse: bool, units: int | None = None
) -> str:
    """A scratch database `name` migrated and filled by `generate_data --problems N`, then
    VACUUM ANALYZE'd; with `reuse`, the one a run with --keep left, as it is. Returns its URL."""
    if reuse:
        return with_database(url, name)
    scratch = create_database(url, name)
    env = {**os.environ, "DATABASE_URL": scratch, "PYTHONUNBUFFERED": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "generate_data", "--problems", str(problems), "--seed", str(seed)]
        + (["--units", str(units)] if units else []),
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"generated {problems} problems in {time.perf_counter() - started:.1f}s", flush=True)
    with admin_connection(scratch) as conn:
        conn.execute("VACUUM ANALYZE")
    return scratch


def office_admin():
    """The first office admin of the generated county (whose scope is every problem)."""
    from issues.models import Membership, Role

    membership = (
        Membership.objects.filter(role=Role.OFFICE_ADMIN, unit__parent__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user


class QueryCounter:
    """Counts the queries run inside it without keeping them (cheaper than
    CaptureQueriesContext over thousands of queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


def scratch_arguments(parser, *, database: str) -> None:
    """The options every generated-data benchmark takes."""
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10 000 problems, fewer rounds")
    parser.add_argument("--database", default=database, help="scratch database name")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a kept database again (and keep it)"
    )


def measure_generated(
    script: Path, args, child_args: list[str], *, seed: int, units: int | None = None
) -> dict:
    """Print the machine, make (or reuse) the scratch database, run `script --child` on it and
    return its result; the database is dropped afterwards unless --keep or --reuse."""
    url = server_url()
    problems = 10_000 if args.quick else args.problems
    print(json.dumps(machine(url), ensure_ascii=False), flush=True)
    scratch = generated_database(
        url, args.database, problems, seed=seed, reuse=args.reuse, units=units
    )
    try:
        return run_child(script, child_args, scratch)
    finally:
        if not (args.keep or args.reuse):  # a reused database was kept on purpose
            drop_database(url, args.database)


def signed_in_clients(users: dict) -> dict:
    """{label: Django test Client signed in as that user} — the whole request stack, no network."""
    from django.test import Client

    clients = {}
    for label, user in users.items():
        clients[label] = Client(HTTP_HOST="127.0.0.1")
        clients[label].force_login(user)
    return clients


def timed_get(client, url: str):
    """(seconds, response) of one GET that must answer 200."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return elapsed, response


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict | None = None):
    """The product's gunicorn (tracker/gunicorn_embedded.py, gthread) on a free loopback
    port, against this environment's DATABASE_URL; yields its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "tracker/gunicorn_embedded.py"),
            *("-b", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", "/dev/null"),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):  # wait for it to answer
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except urllib.error.HTTPError:  # answering, whatever its health
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def http_get(url: str, key: str) -> float:
    """One GET with a knox token over a new TCP connection; its wall seconds."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - started
