"""`GET /healthz`: is this process able to serve? Checks the database and the Celery broker.

200 {"status": "ok", "database": "ok", "broker": "ok"}, or 503 naming what failed. In the
embedded default the broker is in-process (eager Celery), so it reports "eager". Failures
are logged here and reported as a bare "error": the endpoint is public and must not leak
host names or credentials.

`python -m tracker.health` probes the running gunicorn from inside its container (the
Compose health check): it sends a Host that ALLOWED_HOSTS accepts and, when the proxy's
X-Forwarded-Proto is trusted, says "https" so SECURE_SSL_REDIRECT does not answer 301.
`python -m tracker.health beat` is the beat container's check: has the reminder scan run
recently, as beat records it in the database?
"""

import logging
import os
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2.0  # seconds; a load balancer's probe must not hang on a dead broker


def database_status() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: database check failed")
        return "error"
    return "ok"


def broker_status() -> str:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return "eager"
    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT) as conn:
            # The Redis transport PINGs when its channel opens; one attempt, no back-off.
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception:
        logger.exception("health: broker check failed")
        return "error"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value in ("ok", "eager") for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "error", **checks}
    user = getattr(request, "user", None)
    if healthy and user is not None and user.is_superuser:
        # Counts only, and only for superusers: what the reminder machinery could not do.
        from notifications.selectors import delivery_health

        body["reminders"] = delivery_health()
    return JsonResponse(body, status=200 if healthy else 503)


def probe_host() -> str:
    """A Host header that ALLOWED_HOSTS accepts ('.example.org' → 'example.org')."""
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def probe(url: str) -> int:
    """GET url as the reverse proxy would; 0 when healthy (exit status for a health check)."""
    headers = {"Host": probe_host()}
    if os.environ.get("TRUST_X_FORWARDED_PROTO", "").lower() in ("1", "true", "yes", "on"):
        headers["X-Forwarded-Proto"] = "https"
    # The operator's own health-check URL (default http://127.0.0.1:PORT/healthz).
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.code, exc.read().decode(errors="replace"), file=sys.stderr)
    except OSError as exc:
        print(exc, file=sys.stderr)
    return 1


BEAT_ENTRY = "reminders-scan"  # settings.CELERY_BEAT_SCHEDULE
# DatabaseScheduler writes last_run_at back every 3 minutes (celery beat's sync_every).
BEAT_SYNC_SLACK = 240  # seconds


def beat_status(now=None) -> str:
    """Is beat ringing? "ok" if the reminder scan ran within two periods (plus the slack of
    beat's write-back), "stale" if not, "never" before its first recorded run."""
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    last = (
        PeriodicTask.objects.filter(name=BEAT_ENTRY).values_list("last_run_at", flat=True).first()
    )
    if last is None:
        return "never"
    age = ((now or timezone.now()) - last).total_seconds()
    limit = 2 * settings.REMINDER_SCAN_INTERVAL.total_seconds() + BEAT_SYNC_SLACK
    return "ok" if age <= limit else "stale"


def main(argv: list[str]) -> int:
    """`python -m tracker.health [URL]` probes gunicorn; `python -m tracker.health beat`
    checks that beat rings the reminder scan (the beat container's health check)."""
    if argv[:1] == ["beat"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
        django.setup()
        status = beat_status()
        print(f"beat: {status}")
        return 0 if status == "ok" else 1
    port = os.environ.get("PORT", "8000")
    return probe(argv[0] if argv else f"http://127.0.0.1:{port}/healthz")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
