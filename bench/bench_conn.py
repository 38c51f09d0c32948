"""GET /api/v1/me/ over HTTP through gunicorn: what reusing database connections saves.

Starts gunicorn (tracker/gunicorn_embedded.py, gthread) on a free port twice against
DATABASE_URL, once with DATABASE_CONN_MAX_AGE=0 (a new PostgreSQL connection per request) and
once with the default, and times N sequential requests with a knox token (a new TCP connection
each, as browsers' first requests make). The database must be migrated; the script adds a user
`bench_conn` with a membership at the first root unit.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_conn.py [N]
"""

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def token() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from issues.models import Membership, Role, Unit

    user, _ = get_user_model().objects.get_or_create(username="bench_conn")
    unit = Unit.objects.filter(parent__isnull=True).order_by("pk").first() or Unit.objects.create(
        name="县委", code="BENCH"
    )
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.OFFICE_ADMIN)
    return AuthToken.objects.create(user)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(max_age: str | None, key: str, n: int) -> list[float]:
    port = free_port()
    env = dict(os.environ)
    if max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = max_age
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "tracker/gunicorn_embedded.py"),
            *("-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/me/"
        request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})
        for _ in range(100):  # wait for the server
            try:
                urllib.request.urlopen(request, timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(20):  # warm every thread's first connection
            urllib.request.urlopen(request).read()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            urllib.request.urlopen(request).read()
            times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    key = token()
    for label, max_age in (("CONN_MAX_AGE=0 (before)", "0"), ("default (after)", None)):
        times = run(max_age, key, n)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(
            f"/me/ over gunicorn, {label}: n={n} median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms"
        )


if __name__ == "__main__":
    main()
