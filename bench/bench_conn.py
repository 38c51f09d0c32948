"""GET /api/v1/me/ over HTTP through gunicorn: what reusing database connections saves.

Starts gunicorn (tracker/gunicorn_embedded.py, gthread) on a free port twice against
DATABASE_URL, once with DATABASE_CONN_MAX_AGE=0 (a new PostgreSQL connection per request) and
once with the default, and times N sequential requests with a knox token (a new TCP connection
each, as browsers' first requests make). The database must be migrated; the script adds a user
`bench_conn` with a membership at the first root unit.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_conn.py [N]
"""

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import gunicorn, http_get  # noqa: E402


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


def run(max_age: str | None, key: str, n: int) -> list[float]:
    env = {} if max_age is None else {"DATABASE_CONN_MAX_AGE": max_age}
    with gunicorn(env) as base:
        url = f"{base}/api/v1/me/"
        for _ in range(20):  # warm every thread's first connection
            http_get(url, key)
        return [http_get(url, key) * 1000 for _ in range(n)]


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
