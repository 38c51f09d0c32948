"""Statistics benchmark (SPEC §11): statistics per unit over 100 000 problems.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/bench_stats.py [--quick]

It creates a scratch database beside DATABASE_URL's, migrates it, fills it with
`manage.py generate_data --problems N` (100 000; --quick: 10 000), runs VACUUM ANALYZE, then, in
a child process, requests the statistics endpoints through Django's whole stack (middleware,
session authentication, DRF; no network) as the county's office admin, whose scope is every
unit and every problem, and as one township's unit admin:

  GET /api/v1/stats/units/    one row per unit in scope (the §11 target)
  GET /api/v1/stats/summary/, stats/ranking/, stats/trend/, stats/by/source/ (for comparison)

Targets, printed as `target <name>: <measured> (limit <limit>) PASS|FAIL`:

  stats_units_latency   median of GET /api/v1/stats/units/ for the county, under 1 s;
  stats_units_queries   its queries are the same for the county (every unit) and a township
                        (a few units), plain and filtered: independent of units and rows.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    measure_generated,
    office_admin,
    report,
    scratch_arguments,
    setup_django,
    signed_in_clients,
    timed_get,
    verdict,
)

LATENCY_LIMIT_S = 1.0
UNITS = "/api/v1/stats/units/"
ENDPOINTS = {
    "units": UNITS,
    "summary": "/api/v1/stats/summary/",
    "ranking": "/api/v1/stats/ranking/",
    "trend": "/api/v1/stats/trend/",
    "by source": "/api/v1/stats/by/source/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scratch_arguments(parser, database="bench_stats")
    parser.add_argument("--rounds", type=int, default=15, help="requests per endpoint and user")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    rounds = 5 if args.quick else args.rounds
    result = measure_generated(Path(__file__), args, ["--rounds", str(rounds)], seed=3)
    sys.exit(0 if print_targets(result) else 1)


def print_targets(result: dict) -> bool:
    for line in result["lines"]:
        print(
            f"{line['user']:<14} {line['endpoint']:<10} median {line['median_ms']:7.1f} ms  "
            f"max {line['max_ms']:7.1f} ms  {line['rows']:>4} rows  {line['queries']} queries"
        )
    units = next(
        line
        for line in result["lines"]
        if line["user"] == "office admin" and line["endpoint"] == "units"
    )
    township = next(
        line
        for line in result["lines"]
        if line["user"] == "unit admin" and line["endpoint"] == "units"
    )
    counts = result["unit_queries"]
    # The same request costs the same queries whatever the scope (every unit or a township's
    # few); a filter on deadlines adds its one query for the batch thresholds, in every scope.
    constant = (
        counts["county"] == counts["township"]
        and counts["county, filtered"] == counts["township, filtered"]
    )
    print(f"GET {UNITS} queries: {json.dumps(counts, ensure_ascii=False)}")
    targets = [
        ("stats_units_latency", f"{units['median_ms'] / 1000:.3f} s "
         f"({result['problems']} problems, {units['rows']} units)",
         f"{LATENCY_LIMIT_S:.0f} s", units["median_ms"] / 1000 < LATENCY_LIMIT_S),
        ("stats_units_queries", f"{counts['county']} for {units['rows']} units and for "
         f"{township['rows']}" if constant else "varies with the scope", "constant", constant),
    ]  # fmt: skip
    for name, measured, limit, ok in targets:
        print(f"target {name}: {measured} (limit {limit}) {verdict(ok)}")
    return all(ok for *_, ok in targets)


# --- the measurement (child process) -----------------------------------------------------------


def child(args):
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from issues.models import Problem, Source

    clients = signed_in_clients(bench_users())
    get = timed_get

    def queries(client, url):
        with CaptureQueriesContext(connection) as ctx:
            get(client, url)
        return len(ctx.captured_queries)

    lines = []
    for label, client in clients.items():
        for name, url in ENDPOINTS.items():
            get(client, url)  # warm up
            times = []
            for _ in range(args.rounds):
                elapsed, response = get(client, url)
                times.append(elapsed)
            lines.append(
                {
                    "user": label,
                    "endpoint": name,
                    "median_ms": statistics.median(times) * 1000,
                    "max_ms": max(times) * 1000,
                    "rows": len(response.json()) if isinstance(response.json(), list) else 1,
                    "queries": queries(client, url),
                }
            )
    filtered = f"{UNITS}?source={Source.CIRCUIT_INSPECTION}&overdue=true"
    unit_queries = {
        "county": queries(clients["office admin"], UNITS),
        "township": queries(clients["unit admin"], UNITS),
        "county, filtered": queries(clients["office admin"], filtered),
        "township, filtered": queries(clients["unit admin"], filtered),
    }
    report({"problems": Problem.objects.count(), "lines": lines, "unit_queries": unit_queries})


def bench_users() -> dict:
    """The county's office admin and the unit admin of a township (a unit with villages)."""
    from issues.models import Membership, Role

    unit_admin = (
        Membership.objects.filter(
            role=Role.UNIT_ADMIN, unit__parent__isnull=False, unit__children__isnull=False
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return {"office admin": office_admin(), "unit admin": unit_admin.user}


if __name__ == "__main__":
    main()
