"""The newcomer's pages stay true to the tree: every file or folder that docs/architecture.md
and the README's layout table name exists, and the contracts the page lists are the ones in
.importlinter."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `issues/selectors/scope.py`, `tracker/`, `docs/bounds.md`: a relative path in backticks.
PATH = re.compile(r"`((?:[a-z_.]+/)+(?:[a-z_]+\.(?:py|md))?)`")


# URL paths, and var/ (made at run time), are not files of the tree.
NOT_IN_TREE = ("api/", "print/", "manage/", "var/")


def named_paths(text: str) -> set[str]:
    return {m for m in PATH.findall(text) if not m.startswith(NOT_IN_TREE)}


def test_it_names_only_paths_that_exist():
    for page in ("docs/architecture.md", "README.md"):
        paths = named_paths((ROOT / page).read_text())
        assert len(paths) > 10, page  # the pattern still finds them
        missing = sorted(p for p in paths if not (ROOT / p).exists())
        assert missing == [], f"{page} names paths that do not exist: {missing}"


def test_it_lists_every_import_contract():
    contracts = configparser.ConfigParser()
    contracts.read(ROOT / ".importlinter")
    ids = [
        section.removeprefix("importlinter:contract:")
        for section in contracts.sections()
        if section.startswith("importlinter:contract:")
    ]
    page = (ROOT / "docs/architecture.md").read_text()
    listed = re.findall(r"^- `([a-z-]+)`:", page, flags=re.MULTILINE)
    assert sorted(listed) == sorted(ids)
