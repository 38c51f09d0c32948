# The application image. docker-compose.yml runs every app process from it: the one-off
# `migrate`, gunicorn (`web`), Celery workers (`worker`) and the one Celery beat (`beat`).
# Static files and compiled translations are baked in at build time; the image holds no
# secrets and needs no database to build. Configuration comes only from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# gettext provides msgfmt for compilemessages. psycopg[binary] ships its own libpq.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
# Requirements first: the dependency layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic and compilemessages read settings, which need no real secret or database.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --noinput -v 0 \
    && if [ -d locale ]; then \
        SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py compilemessages -v 0; \
    fi \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

# Uploaded evidence: mount a volume (or shared storage when scaled out) here.
ENV MEDIA_ROOT=/app/var/media \
    PORT=8000 \
    WEB_CONCURRENCY=4
VOLUME ["/app/var/media"]
USER app
EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY as its number of workers.
CMD ["gunicorn", "tracker.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--graceful-timeout", "30"]
