"""Problem list benchmark (SPEC §11): page of 50 over 100 000 problems, against GET /api/v1/me/.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/bench_list.py [--quick]

It creates a scratch database beside DATABASE_URL's, migrates it, fills it with
`manage.py generate_data --problems N` (100 000; --quick: 10 000), runs VACUUM ANALYZE, then, in
a child process, requests through Django's whole stack (middleware, session authentication, DRF,
the FilterSet, the serializer; no network) as the users who see most:

  - an office admin of the county (every problem in scope) and a township's unit admin;
  - the list as it opens (page 1), a page deep in the list, a filtered list (light=red, sorted
    by due date) and a keyword search; page_size=50;
  - GET /api/v1/me/ interleaved with them, request for request, so both see the same load.

Targets, printed as `target <name>: <measured> (limit <limit>) PASS|FAIL`:

  list_latency_vs_me   each user's page 1 over that user's /me/ (the two alternated in the
                       same seconds), the worse of the medians' ratio and the p90s', for
                       the worse of the two users, at most 3x; the other lists are printed
                       for what they cost;
  list_latency_vs_me_http  the same over HTTP through gunicorn (the product's gthread config,
                       a knox token, a new connection per request), each user's page 1 against
                       that user's /me/, the worse of p50 and p90, at most 3x;
  list_queries         queries of one list request at page_size 10, 50 and 200 (problems in
                       close-out review, so that every page needs every prefetch): all equal;
  list_keyword_ms      the keyword search (`q`, a word in a quarter of all problems), the
                       worse user's median, under 50 ms (issue 14 asks it at 1 000 000);
  list_first_search_ms ten different two-character words, each searched once, the count
                       cache off (every count computed): the worse user's median, under 50 ms.
                       The generator's words are common: each is in 1.5-6 % of all problems,
                       but for the last, found nowhere. Printed beside them, not a target: a
                       machine reference (a warm count of one more word in SQL), which moves
                       with the host's speed this minute, as the first searches do.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    gunicorn,
    http_get,
    measure_generated,
    office_admin,
    report,
    scratch_arguments,
    setup_django,
    signed_in_clients,
    summary,
    timed_get,
    verdict,
)

RATIO_LIMIT = 3.0
KEYWORD_LIMIT_MS = 50.0
LISTS = {
    "page 1": "/api/v1/problems/?page_size=50",
    "deep page": "/api/v1/problems/?page_size=50&page={deep}",
    "red, by due date": "/api/v1/problems/?page_size=50&light=red&ordering=due_date",
    "keyword": "/api/v1/problems/?page_size=50&q=%E5%8F%B0%E8%B4%A6",  # 台账
}
FIRST_SEARCHES = ["公安", "水利", "教育", "财政", "审计", "卫生", "采购", "档案", "会议", "恐龙"]
REFERENCE_WORD = "司法"  # in as many problems as 公安, and not searched above


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scratch_arguments(parser, database="bench_list")
    parser.add_argument("--rounds", type=int, default=30, help="requests per list and user")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of 20 page-1 requests (unit admin)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    rounds = args.rounds  # --quick too: a p90 of 10 requests is their slowest one
    extra = ["--rounds", str(rounds), *(["--profile"] if args.profile else [])]
    result = measure_generated(Path(__file__), args, extra, seed=5)
    sys.exit(0 if print_targets(result) else 1)


def print_targets(result: dict) -> bool:
    drf, ours = result["rendering"]["JSONRenderer"], result["rendering"]["OrjsonRenderer"]
    print(
        f"rendering page 1 ({ours['bytes']} bytes): DRF JSONRenderer {drf['ms']:.2f} ms, "
        f"OrjsonRenderer {ours['ms']:.2f} ms, identical bytes: {result['rendering']['identical']}"
    )
    print(
        f"GET /api/v1/me/: median {result['me_median_ms']:.1f} ms, "
        f"p90 {result['me_p90_ms']:.1f} ms over {result['me_requests']} requests, "
        f"python cpu {result['me_cpu_ms']:.1f} ms"
    )
    for line in result["lines"]:
        print(
            f"{line['user']:<14} {line['list']:<16} median {line['median_ms']:6.1f} ms  "
            f"p90 {line['p90_ms']:6.1f} ms  {line['count']:>6} rows  {line['queries']} queries  "
            f"python cpu {line['cpu_ms']:5.1f} ms"
        )
    # The target is the list as SPEC §11 names it: a page of 50, unfiltered; the filtered and
    # deeper pages are shown above for what they cost. Each user's page 1 against that user's
    # /me/, the two requests alternated in the same seconds (as over HTTP below): the host's
    # speed drifts between one list's window and the next, and cancels out only within one.
    ratios = {}
    for line in result["lines"]:
        if line["list"] != "page 1":
            continue
        print(
            f"{line['user']:<14} page 1 against its own /me/: median {line['median_ms']:.1f} "
            f"vs {line['me_median_ms']:.1f} ms, p90 {line['p90_ms']:.1f} vs "
            f"{line['me_p90_ms']:.1f} ms"
        )
        for q in ("median", "p90"):
            ratios[f"{line['user']}, page 1, {q}"] = line[f"{q}_ms"] / line[f"me_{q}_ms"]
    worst_ratio = max(ratios, key=ratios.get)
    ratio = ratios[worst_ratio]
    pooled = max(
        line[f"{q}_ms"] / result[f"me_{q}_ms"]
        for line in result["lines"]
        if line["list"] == "page 1"
        for q in ("median", "p90")
    )
    print(
        f"(against the /me/ of every window pooled, as until 2026-12-04: {pooled:.2f}x; "
        "not the target)"
    )
    worst = max(
        (line for line in result["lines"] if line["list"] == "page 1"),
        key=lambda line: line["median_ms"],
    )
    keyword = max(
        (line for line in result["lines"] if line["list"] == "keyword"),
        key=lambda line: line["median_ms"],
    )
    # This process's CPU (the Python side: Django, the ORM, DRF), which a busy machine inflates
    # far less than wall time; PostgreSQL's share is not in it. Printed, not a target.
    cpu_ratio = worst["cpu_ms"] / result["me_cpu_ms"]
    print(f"python cpu of {worst['user']}, page 1, over /me/: {cpu_ratio:.2f}x")
    constant = all(len(set(counts.values())) == 1 for counts in result["queries"].values())
    print(f"queries by page_size (10/50/200): {json.dumps(result['queries'])}")
    # Over HTTP through gunicorn: each user's page 1 against that user's /me/, p50 and p90.
    http_ratios = {}
    for label, times in result["http"].items():
        me_http, page_http = times["me"], times["page 1"]
        for q in ("median", "p90"):
            http_ratios[f"{label}, {q}"] = page_http[q] / me_http[q]
        print(
            f"over gunicorn, {label:<14} /me/ median {me_http['median']:5.1f} ms "
            f"p90 {me_http['p90']:5.1f} ms; page 1 median {page_http['median']:5.1f} ms "
            f"p90 {page_http['p90']:5.1f} ms"
        )
    http_worst = max(http_ratios, key=http_ratios.get)
    http_ratio = http_ratios[http_worst]
    for label, times in result["first_searches"].items():
        shown = ", ".join(f"{w} {ms:.0f}" for w, ms in zip(FIRST_SEARCHES, times, strict=True))
        print(f"first searches, {label:<14} median {statistics.median(times):5.1f} ms: {shown}")
    print(
        f"machine reference: a warm count of {REFERENCE_WORD} by its pairs, median of 5: "
        f"{result['machine_reference_ms']:.1f} ms (the first searches move with it)"
    )
    first_user = max(
        result["first_searches"],
        key=lambda label: statistics.median(result["first_searches"][label]),
    )
    first_search = statistics.median(result["first_searches"][first_user])
    targets = [
        ("list_latency_vs_me", f"{ratio:.2f}x ({worst_ratio})",
         f"{RATIO_LIMIT}x", ratio <= RATIO_LIMIT),
        ("list_latency_vs_me_http", f"{http_ratio:.2f}x ({http_worst})",
         f"{RATIO_LIMIT}x", http_ratio <= RATIO_LIMIT),
        ("list_queries", "constant" if constant else "varies with page size",
         "constant", constant),
        ("list_keyword_ms", f"{keyword['median_ms']:.1f} ms ({keyword['user']}, "
         f"{keyword['count']} found)", f"{KEYWORD_LIMIT_MS:.0f} ms",
         keyword["median_ms"] < KEYWORD_LIMIT_MS),
        ("list_first_search_ms", f"{first_search:.1f} ms ({first_user})",
         f"{KEYWORD_LIMIT_MS:.0f} ms", first_search < KEYWORD_LIMIT_MS),
    ]  # fmt: skip
    for name, measured, limit, ok in targets:
        print(f"target {name}: {measured} (limit {limit}) {verdict(ok)}")
    return all(ok for *_, ok in targets)


# --- the measurement (child process) -----------------------------------------------------------


def child(args):
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = signed_in_clients(bench_users())
    cpu = {}  # url -> this process's CPU seconds per request (waiting for a core not counted)

    def get(client, url):
        started = time.process_time()
        elapsed, response = timed_get(client, url)
        cpu.setdefault(url, []).append(time.process_time() - started)
        return elapsed, response

    # Queries of one list request by page size. Rows in close-out review all carry a pending
    # request with its steps, so every page needs every prefetch (a page without any pending
    # request skips the steps query, one fewer whatever its size). Warm requests: the county
    # office's first one counts the list into the stats cache (one more query, once).
    queries = {}
    for label, client in clients.items():
        counts = {}
        get(client, "/api/v1/problems/?status=closeout_review&page_size=10")
        for size in (10, 50, 200):
            with CaptureQueriesContext(connection) as ctx:
                get(client, f"/api/v1/problems/?status=closeout_review&page_size={size}")
            counts[size] = len(ctx.captured_queries)
        queries[label] = counts

    me_times, lines = [], []
    for label, client in clients.items():
        _, first = get(client, LISTS["page 1"])
        count = first.json()["count"]
        urls = {name: url.format(deep=max(1, count // 50 * 3 // 4)) for name, url in LISTS.items()}
        for url in [*urls.values(), "/api/v1/me/"]:  # warm up
            get(client, url)
        for name, url in urls.items():
            times, me = [], []
            for _ in range(args.rounds):
                me.append(get(client, "/api/v1/me/")[0])
                elapsed, response = get(client, url)
                times.append(elapsed)
            me_times.extend(me)
            with CaptureQueriesContext(connection) as ctx:
                get(client, url)
            lines.append(
                {
                    "user": label,
                    "list": name,
                    "median_ms": statistics.median(times) * 1000,
                    "p90_ms": statistics.quantiles(times, n=10)[-1] * 1000,
                    # This user's /me/, request for request between this list's requests.
                    "me_median_ms": statistics.median(me) * 1000,
                    "me_p90_ms": statistics.quantiles(me, n=10)[-1] * 1000,
                    "count": response.json()["count"],
                    "queries": len(ctx.captured_queries),
                    "cpu_ms": statistics.median(cpu[url]) * 1000,
                }
            )
    if args.profile:
        profile(clients["unit admin"])
    report(
        {
            "machine_reference_ms": machine_reference(),
            "first_searches": first_searches(clients),
            "http": over_http(bench_users(), args.rounds),
            "rendering": rendering(clients["unit admin"]),
            "me_median_ms": statistics.median(me_times) * 1000,
            "me_p90_ms": statistics.quantiles(me_times, n=10)[-1] * 1000,
            "me_cpu_ms": statistics.median(cpu["/api/v1/me/"]) * 1000,
            "me_requests": len(me_times),
            "lines": lines,
            "queries": queries,
        }
    )


def first_searches(clients: dict) -> dict:
    """Each word of FIRST_SEARCHES searched once per user, milliseconds in order: what an office
    waits for a word nobody searched in the last minute (the stats cache off, so the county
    office's count is computed, not read)."""
    from django.test.utils import override_settings

    found = {}
    with override_settings(STATS_CACHE_SECONDS=0):
        for label, client in clients.items():
            found[label] = [
                timed_get(client, f"/api/v1/problems/?page_size=50&q={quote(word)}")[0] * 1000
                for word in FIRST_SEARCHES
            ]
    return found


def machine_reference() -> float:
    """The median of five warm counts of REFERENCE_WORD by its pairs, in SQL (milliseconds):
    the heap pages a first search's count reads, at the speed the machine has this minute. The
    host's slow spells (this VM's other tenants) moved it between 13 and 28 ms within an hour;
    a first search moves with it. Printed beside the first searches, not a target."""
    from issues.models import Problem
    from issues.selectors.problem_filter import text_q

    # The very statement a county office's search counts with (the pairs alone).
    matches = Problem.objects.filter(text_q(REFERENCE_WORD, every_problem=True))
    times = []
    for _ in range(6):  # the first one warms
        started = time.perf_counter()
        matches.count()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


def over_http(users: dict, rounds: int) -> dict:
    """Page 1 and /me/ through gunicorn (the product's config) with a knox token each, a new
    TCP connection per request, interleaved request for request: milliseconds per user."""
    from knox.models import AuthToken

    keys = {label: AuthToken.objects.create(user)[1] for label, user in users.items()}
    result = {}
    with gunicorn() as base:
        for label, key in keys.items():
            for _ in range(10):  # warm the threads' connections and the stats cache
                http_get(base + "/api/v1/me/", key)
                http_get(base + LISTS["page 1"], key)
            me, page = [], []
            for _ in range(rounds):
                me.append(http_get(base + "/api/v1/me/", key) * 1000)
                page.append(http_get(base + LISTS["page 1"], key) * 1000)
            result[label] = {"me": summary(me), "page 1": summary(page)}
    return result


def profile(client) -> None:
    """Where a page's Python time goes: cProfile of 20 requests of page 1, by own time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(LISTS["page 1"])
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


def rendering(client) -> dict:
    """Page 1's data rendered by DRF's JSONRenderer and by the API's renderer (best of 5x20)."""
    from rest_framework.renderers import JSONRenderer

    from tracker.renderers import OrjsonRenderer

    data = client.get(LISTS["page 1"]).data
    result = {}
    for renderer in (JSONRenderer(), OrjsonRenderer()):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(20):
                body = renderer.render(data)
            best = min(best, (time.perf_counter() - started) / 20)
        result[type(renderer).__name__] = {"ms": best * 1000, "bytes": len(body)}
    same = JSONRenderer().render(data) == OrjsonRenderer().render(data)
    return {**result, "identical": same}


def bench_users() -> dict:
    """The county's first office admin and the unit admin of the township with most problems."""
    from django.db.models import Count

    from issues.models import Membership, Problem, Role

    busiest = (
        Problem.objects.values("lead_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit_id")
        .first()
    )
    unit_admin = (
        Membership.objects.filter(role=Role.UNIT_ADMIN, unit_id=busiest["lead_unit_id"])
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return {"office admin": office_admin(), "unit admin": unit_admin.user}


if __name__ == "__main__":
    main()
