"""Books benchmark (SPEC §11): the ledger export and the list import, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/bench_books.py [--quick]

It creates a scratch database beside DATABASE_URL's, migrates it, fills it with
`manage.py generate_data --problems N` (100 000; --quick: 10 000), then measures, each in a
fresh process so that memory figures belong to one job:

  export   the .xlsx ledger of every problem, as an office admin of the county root sees it
           (scope, filters, prefetching, formatting, writing), and its peak memory — Python
           allocations (tracemalloc, a second run) and the process's maximum resident set;
  baseline the same rows, already in memory, written by openpyxl's write-only mode as plain
           values: what a spreadsheet library alone costs;
  import   a 10 000-row list (aliases, several date forms, numbered measures, cooperating
           units, a measure given to a cooperating unit) imported for real into a new batch,
           all or nothing.

Targets (printed as `target <name>: <measured> (limit <limit>) PASS|FAIL`): export time at most
2x the baseline, export peak memory under 300 MB, import under 30 s. This is a benchmark, not a
timed test; the numbers depend on the machine, which is printed first.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    QueryCounter,
    drop_database,
    generated_database,
    machine,
    office_admin,
    report,
    run_child,
    scratch_arguments,
    server_url,
    setup_django,
    verdict,
)

EXPORT_RATIO_LIMIT = 2.0
MEMORY_LIMIT_MB = 300
IMPORT_LIMIT_S = 30.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    scratch_arguments(parser, database="bench_books")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="export and baseline rounds (best)")
    parser.add_argument("--only", choices=["export", "import"], help="measure one of the two")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    url = server_url()
    problems = 10_000 if args.quick else args.problems
    print(json.dumps(machine(url), ensure_ascii=False), flush=True)
    scratch = generated_database(url, args.database, problems, seed=7, reuse=args.reuse)
    try:
        export = baseline = imported = None
        if args.only != "import":
            export = measure("export", scratch, "--repeat", str(args.repeat))
            baseline = measure("baseline", scratch, "--repeat", str(args.repeat))
        if args.only != "export":
            imported = measure("import", scratch, "--import-rows", str(args.import_rows))
    finally:
        if not args.keep:
            drop_database(url, args.database)
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    results = []
    if export is not None:
        ratio = export["seconds"] / baseline["seconds"]
        peak_mb = max(export["tracemalloc_peak_mb"], export["maxrss_mb"])
        print(
            f"export: {export['rows']} rows in {export['seconds']:.1f}s "
            f"(CPU {export['cpu_seconds']:.1f}s, best of {export['rounds']}) "
            f"({export['queries']} queries, {export['bytes'] / 2**20:.1f} MiB file); "
            f"baseline openpyxl write-only {baseline['seconds']:.1f}s "
            f"(CPU {baseline['cpu_seconds']:.1f}s, best of {baseline['rounds']}); "
            f"python peak {export['tracemalloc_peak_mb']:.0f} MB "
            f"(first tenth {export['tracemalloc_peak_tenth_mb']:.0f} MB), "
            f"max RSS {export['maxrss_mb']:.0f} MB"
        )
        results += [
            ("export_xlsx_vs_openpyxl", f"{ratio:.2f}x", f"{EXPORT_RATIO_LIMIT}x",
             ratio <= EXPORT_RATIO_LIMIT),
            ("export_peak_memory", f"{peak_mb:.0f} MB", f"{MEMORY_LIMIT_MB} MB",
             peak_mb < MEMORY_LIMIT_MB),
        ]  # fmt: skip
    if imported is not None:
        print(
            f"import: {imported['rows']} rows in {imported['seconds']:.1f}s "
            f"(CPU {imported['cpu_seconds']:.1f}s) "
            f"(dry run {imported['dry_seconds']:.1f}s, {imported['queries']} queries)"
        )
        ok = imported["seconds"] < IMPORT_LIMIT_S and imported["created"] == imported["rows"]
        results.append(
            ("import_10000_rows", f"{imported['seconds']:.1f} s", f"{IMPORT_LIMIT_S:.0f} s", ok)
        )
    for name, measured, limit, ok in results:
        print(f"target {name}: {measured} (limit {limit}) {verdict(ok)}")
    sys.exit(0 if all(ok for *_, ok in results) else 1)


def measure(job, database_url, *extra):
    """One job in a process of its own, so that its memory figures are its own."""
    result = run_child(Path(__file__), [job, *extra], database_url)
    print(f"{job}: {json.dumps(result)}", flush=True)
    return result


# --- the measured jobs (child processes) -------------------------------------------------------


def child(args):
    setup_django()
    jobs = {"export": job_export, "baseline": job_baseline, "import": job_import}
    report(jobs[args.child](args))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _export(user, problems):
    from books.services import export
    from books.services.export import xlsx as export_xlsx

    meta, rows = export.ledger_export_prepare(
        user=user,
        problems=problems,
        profile=export.PROFILES["default"],
        params={},
        include_uncounted=False,
    )
    handle = export_xlsx.ledger_xlsx_file(meta, rows)
    size = handle.seek(0, io.SEEK_END)
    handle.close()
    return size


def job_export(args):
    from issues.models import Problem
    from issues.selectors.scope import visible_problems
    from issues.selectors.stats import COUNTED

    user = office_admin()
    problems = visible_problems(user)
    rows = problems.filter(status__in=COUNTED).count()
    rounds = []
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        with QueryCounter() as queries:
            size = _export(user, problems)
        rounds.append((time.perf_counter() - started, cpu_seconds() - cpu))
    seconds, cpu = min(rounds)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Memory, in runs of their own (tracemalloc slows Python down): all rows, then a tenth.
    ids = list(Problem.objects.order_by("pk").values_list("pk", flat=True))
    tracemalloc.start()
    _export(user, problems)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    _export(user, problems.filter(pk__lte=ids[len(ids) // 10]))
    peak_tenth = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rounds": [round(wall, 2) for wall, _ in rounds],
        "queries": queries.count,
        "bytes": size,
        "maxrss_mb": maxrss_mb,
        "tracemalloc_peak_mb": peak / 2**20,
        "tracemalloc_peak_tenth_mb": peak_tenth / 2**20,
    }


def job_baseline(args):
    """openpyxl alone: the export's rows, fetched beforehand, appended as plain values."""
    from openpyxl import Workbook

    from books.services import export
    from issues.selectors.scope import visible_problems

    user = office_admin()
    meta, qs = export.ledger_export_prepare(
        user=user,
        problems=visible_problems(user),
        profile=export.PROFILES["default"],
        params={},
        include_uncounted=False,
    )
    rows = list(export.iter_rows(qs, meta.profile))
    rounds = []
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("台账")
        ws.append(meta.profile.headers)
        for row in rows:
            ws.append(row)
        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            wb.save(handle)
        rounds.append((time.perf_counter() - started, cpu_seconds() - cpu))
    seconds, cpu = min(rounds)
    return {
        "rows": len(rows),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rounds": [round(wall, 2) for wall, _ in rounds],
    }


def _import_file(n, rng):
    """A list as offices send it: a title row, aliased headers, mixed date forms. Written in
    openpyxl's normal mode, which stores text as shared strings with a sheet dimension, as
    Excel and WPS do (write-only mode's inline strings read about twice as slowly)."""
    from openpyxl import Workbook

    from issues.models import Category, Unit

    units = list(Unit.objects.exclude(parent__isnull=True).values_list("name", "code"))
    categories = list(Category.objects.values_list("name", flat=True)) or [""]
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["县委第三巡察组反馈问题整改清单"])
    ws.append(["序号", "问题来源", "问题归类", "具体表现", "整改目标", "整改措施", "牵头单位",
               "配合单位", "整改类型", "完成时限", "增量/存量", "备注"])  # fmt: skip
    sources = ["巡察", "审计监督", "群众信访诉求", "检视剖析", "调查研究"]
    forms = [
        lambda d: d.isoformat(),
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: dt.datetime(d.year, d.month, d.day),
        lambda d: f"{d.year}年{d.month}月底前",
    ]
    for i in range(1, n + 1):
        lead_name, lead_code = rng.choice(units)
        helpers = [name for name, _ in rng.sample(units, rng.choice([0, 1, 2]))]
        cooperating = "、".join(helpers)
        due = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
        long_term = rng.random() < 0.05
        measures = "\n".join(
            f"{k}. 第{k}项措施：建立健全相关制度，开展专项检查，确保问题整改到位。"
            for k in range(1, rng.choice([2, 3, 4]))
        )
        if helpers and helpers[0] != lead_name:  # the last measure given to a cooperating unit
            measures += f"（责任单位：{helpers[0]}）"
        ws.append([
            i,
            rng.choice(sources),
            rng.choice(categories),
            f"第{i}号问题：部分村（社区）财务公开不及时、不规范，群众反映公开栏内容长期未更新，"
            f"涉及资金使用情况说明不清。",
            "财务按月公开，群众知晓率明显提高。",
            measures,
            lead_name if i % 3 else lead_code,
            cooperating,
            "长期坚持" if long_term else rng.choice(["限期整改", "立行立改", "分阶段整改"]),
            "长期坚持" if long_term else rng.choice(forms)(due),
            rng.choice(["增量", "存量"]),
            "",
        ])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def job_import(args):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from books.services.importer import problems_import
    from issues.models import Batch, Problem

    n = int(args.import_rows)
    content = _import_file(n, random.Random(11))
    user = office_admin()
    batch = Batch.objects.create(name="基准导入批次", code_prefix=f"BENCH-{int(time.time())}")
    started = time.perf_counter()
    problems_import(
        actor=user, batch=batch, upload=SimpleUploadedFile("清单.xlsx", content), dry_run=True
    )
    dry = time.perf_counter() - started
    started, cpu = time.perf_counter(), cpu_seconds()
    with QueryCounter() as queries:
        result = problems_import(
            actor=user, batch=batch, upload=SimpleUploadedFile("清单.xlsx", content), dry_run=False
        )
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    created = Problem.objects.filter(batch=batch).count()
    assert created == result.created == n, (created, result.created, n)
    return {
        "rows": n,
        "created": created,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "dry_seconds": dry,
        "queries": queries.count,
    }


if __name__ == "__main__":
    main()
