"""The arrows of STYLE.md: notifications/ → issues/ → ledger/, never the reverse; tracker/
(the project) may import the apps, no app imports tracker/."""

import ast
from pathlib import Path

from django.conf import settings


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_it_keeps_issues_free_of_notifications_imports():
    root = Path(settings.BASE_DIR) / "issues"
    offenders = [
        f"{path.relative_to(root.parent)}: {name}"
        for path in root.rglob("*.py")
        for name in _imports(path)
        if name == "notifications" or name.startswith("notifications.")
    ]
    assert offenders == []


def test_no_app_imports_the_project_package():
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {name}"
        for app in ("issues", "ledger", "notifications", "accounts")
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        for name in _imports(path)
        if name == "tracker" or name.startswith("tracker.")
    ]
    assert offenders == []
