"""举一反三: the problems in a user's scope most like a given title and description.

PostgreSQL ranks with pg_trgm over the trigram indexes of migration 0012: the `%` operator
picks candidates through the index, `similarity()` orders them. pg_trgm does extract trigrams
from Chinese under this server's C.UTF-8 (`show_trgm('食堂卫生不达标')` gives 8), so no
bigram column is needed. SQLite has no pg_trgm: there a LIKE prefilter on a few of the title's
character bigrams picks at most CANDIDATES rows, ranked in Python by bigram overlap (Dice).
Both score 0..1; the numbers differ between the two databases, the ordering rarely does.
"""

from collections import defaultdict
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import BooleanField, Count, FloatField, Func, Q, Value
from django.db.models.functions import Upper

from issues.models import Measure, Problem, Status
from issues.selectors.scope import visible_problems

LIMIT = 20
# Below this a "similar" problem merely shares a common word or two (整改, 不到位).
MIN_SIMILARITY = 0.2
TITLE_WEIGHT = 0.6  # the title says what the problem is; the description how it showed
CANDIDATES = 500  # SQLite: rows ranked in Python at most
PREFILTER_BIGRAMS = 12  # SQLite: title bigrams OR-ed into the LIKE prefilter
ROW_FIELDS = ("id", "code", "title", "lead_unit", "lead_unit__name", "status", "measure_count")


def _normalized(text: str) -> str:
    """Upper-cased letters and digits only: punctuation and spaces carry no likeness."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def bigrams(text: str) -> set[str]:
    """Character bigrams: Chinese words are mostly two characters, so bigrams match words."""
    chars = _normalized(text)
    if len(chars) < 2:
        return {chars} if chars else set()
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def text_similarity(title_a: str, description_a: str, title_b: str, description_b: str) -> float:
    """0..1, the title weighted over the description; the same on every database."""
    title = dice(bigrams(title_a), bigrams(title_b))
    description = dice(bigrams(description_a), bigrams(description_b))
    return round(TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * description, 4)


def _trigram(column: str, text: str) -> Func:
    return Func(Upper(column), Upper(Value(text)), function="similarity", output_field=FloatField())


def _trigram_match(column: str, text: str) -> Func:
    """`UPPER(column) % UPPER(text)`: served by the column's trigram index."""
    return Func(
        Upper(column),
        Upper(Value(text)),
        template="(%(expressions)s)",
        arg_joiner=" %% ",
        output_field=BooleanField(),
    )


def _rows_postgresql(candidates, title: str, description: str, limit: int) -> list[dict]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            # `%` compares with this threshold (default 0.3, too strict for short Chinese
            # titles); SET LOCAL ends with the transaction, so pooled connections stay clean.
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [MIN_SIMILARITY])
        rows = (
            candidates.filter(
                Q(_trigram_match("title", title)) | Q(_trigram_match("description", description))
            )
            .annotate(
                similarity=TITLE_WEIGHT * _trigram("title", title)
                + (1 - TITLE_WEIGHT) * _trigram("description", description),
                measure_count=Count("measures"),
            )
            .filter(similarity__gte=MIN_SIMILARITY)
            .order_by("-similarity", "-id")
            .values(*ROW_FIELDS, "similarity")[:limit]
        )
        rows = list(rows)
    for row in rows:
        row["similarity"] = round(float(row["similarity"]), 4)
    return rows


def _rows_python(candidates, title: str, description: str, limit: int) -> list[dict]:
    grams = sorted(bigrams(title))[:PREFILTER_BIGRAMS]
    if not grams:
        return []
    prefilter = reduce(or_, (Q(title__icontains=gram) for gram in grams))
    rows = list(
        candidates.filter(prefilter)
        .annotate(measure_count=Count("measures"))
        .order_by("-id")
        .values(*ROW_FIELDS, "description")[:CANDIDATES]
    )
    for row in rows:
        row["similarity"] = text_similarity(title, description, row["title"], row["description"])
    rows = [row for row in rows if row["similarity"] >= MIN_SIMILARITY]
    rows.sort(key=lambda row: (-row["similarity"], -row["id"]))
    return rows[:limit]


def similar_to_text(
    user, *, title: str, description: str = "", exclude_id: int | None = None, limit: int = LIMIT
) -> list[dict]:
    """Up to `limit` visible problems like this text, most similar first; one or two queries.

    Each row: id, code, title, lead_unit (id), lead_unit__name, status, measure_count,
    similarity.
    """
    if not _normalized(title) and not _normalized(description):
        return []
    candidates = visible_problems(user)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    if connection.vendor == "postgresql":
        return _rows_postgresql(candidates, title, description, limit)
    return _rows_python(candidates, title, description, limit)


def similar_problems(user, problem: Problem, limit: int = LIMIT) -> list[dict]:
    """The problems in `user`'s scope most like `problem`, itself excluded."""
    return similar_to_text(
        user,
        title=problem.title,
        description=problem.description,
        exclude_id=problem.pk,
        limit=limit,
    )


def with_measures(rows: list[dict], per_problem: int = 3) -> list[dict]:
    """Rows as pages show them: `measures` (the first few, one query for all rows), the status
    label and the similarity in percent."""
    found = defaultdict(list)
    ids = [row["id"] for row in rows]
    if ids:
        measures = (
            Measure.objects.filter(problem_id__in=ids)
            .order_by("problem_id", "seq")
            .values("problem_id", "content", "status")
        )
        for measure in measures:
            found[measure["problem_id"]].append(measure)
    for row in rows:
        row["measures"] = found[row["id"]][:per_problem]
        row["status_label"] = Status(row["status"]).label
        row["percent"] = round(row["similarity"] * 100)
    return rows
