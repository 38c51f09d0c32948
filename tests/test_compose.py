"""docker-compose.yml describes the full stack of SPEC §10 (no Docker engine runs here, so
its shape is checked; .ci/run also validates it against the Compose JSON schema)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ONE_OFF = {"migrate"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_of(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_it_runs_exactly_one_beat_with_the_database_scheduler(services):
    beats = [name for name, s in services.items() if " beat" in command_of(s)]
    assert beats == ["beat"]
    beat = services["beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in command_of(beat)
    assert beat["deploy"]["replicas"] == 1


def test_it_has_web_behind_gunicorn_and_a_celery_worker(services):
    assert command_of(services["web"]).startswith("gunicorn tracker.wsgi")
    assert command_of(services["worker"]).startswith("celery -A tracker worker")
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["redis"]["image"].split(":")[1].startswith("7")


def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name in ONE_OFF:
            assert service.get("restart") == "no", name
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test, f"{name} has no healthcheck"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "tracker.health"]


def test_app_processes_wait_for_healthy_backends_and_migrations(services):
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert "migrate" in command_of(services["migrate"])


def test_the_database_and_uploads_live_in_volumes(compose, services):
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        media = service["environment"]["MEDIA_ROOT"]
        assert f"media:{media}" in service["volumes"], name


def test_app_services_get_their_backends_from_the_environment(services):
    env = services["web"]["environment"]
    assert (
        env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    )
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["CACHE_URL"].startswith("redis://redis:6379/")
    assert services["web"]["env_file"] == [{"path": ".env", "required": True}]


def settings_variables() -> set[str]:
    source = (ROOT / "tracker" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))


def test_the_example_environment_names_every_variable():
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    compose = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", compose))  # $$ escapes
    assert settings_variables() > {"DATABASE_URL", "SECRET_KEY"}  # the regex still works
    assert settings_variables() - named == set()
    assert interpolated - named == set()


def test_the_image_installs_the_requirements_and_bakes_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "gettext" in dockerfile
    assert "collectstatic" in dockerfile and "compilemessages" in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)  # not root
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", "var"} <= set(ignored)
