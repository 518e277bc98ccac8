"""How fast is /search? Compared with the least the same search could cost.

    .venv/bin/python bench/search_bench.py --n 100000 [--database sqlite|postgresql|both] [--seed 1]

Generates N published entries with realistic text (bench/import_bench.py's generator: the
taxonomy's labels and synonyms in six languages, a few hundred organisations), loads them
through the bulk path (hub.directory.importer.import_lines, which indexes what it writes) into
a fresh database built by the migrations, then, for a fixed mix of narrow, typical and broad
queries with and without filters (MIX below), times:

  (a) the floor: the backend's own SQL for the same query (SqlBackend.statements: the ranked
      top-20 page, then the total and the facets of every match, counted by SqlBackend.count(),
      on an even sample above FACETS_EXACT_UP_TO matches, as the service counts them),
      built once, then run on a plain SQLAlchemy connection of the same database, no app;
  (b) the service: hub.search.services.search(..., record=False) in an app context, and
      with record=True inside transaction() as the view does (the query counted and committed);
  (c) GET /search on gunicorn (HUB_ENV=production, --workers, default 2 x cores + 1):
      one client, request after request; then 16 connections for --seconds (wrk, one thread,
      cycling through the mix), once as served and once with the query counting turned off
      (bench/search_bench_app.py), to see what that write costs under load.

The one-client layers are timed interleaved: each query of the mix in (a), (b) and (c) one right
after the other, round after round, so that a change of the machine's speed during the run (it
drifts here by a fifth within minutes) moves every layer alike. It prints p50 / p95 per layer,
per query class and per query, the ratio of (c) to (a), and the loaded throughput (answered 2xx
a second) against the floor's capacity: cores / the floor's mean time over the mix (every query
equally often, as in the load), timed just before and just after each load run.

The client shares the machine's cores with the server, and so may other work (the machine may
be shared): wrk (C, one thread, a few hundred requests a second at most here) is used rather than
a Python client so that it takes a few hundredths of a core; its CPU time (getrusage), the
workers', PostgreSQL's backends of this database and the rest of the machine's (/proc) are
printed for every load run, and the ratio is also given against the cores left to the server.
Before each timed phase the benchmark waits (up to 10 minutes) for other work on the machine to
stop, and it warns when a one-client phase ran alongside other work.

Targets: at 100,000 entries, one client's /search p50 within 1.5x of the floor's and p95 under
150 ms on SQLite (PostgreSQL: within 1.5x of its own floor); loaded throughput at least 70% of
the floor's capacity. At 1,000,000 entries, /search p95 under 1 s.

PostgreSQL: a database of its own on BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped at the end; skipped, with a message,
when the server does not answer. After the load it is VACUUM ANALYZEd (what autovacuum does
after a bulk load). --keep keeps the databases and prints their URLs; --url reuses one.
--max-load-seconds bounds the load (1,000,000 lines take longer than half an hour on SQLite):
the benchmark then times what was loaded, and says so.

Not a test: it prints figures. Needs gunicorn (requirements.txt) and wrk (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import http.client
import logging
import math
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from config import DevelopmentConfig  # noqa: E402
from hub import create_app  # noqa: E402
from hub.db import db, transaction  # noqa: E402
from hub.directory import importer  # noqa: E402
from hub.search import services  # noqa: E402
from hub.search.base import FACETS_EXACT_UP_TO, SearchQuery, Statements  # noqa: E402
from hub.search.text import clean_query, query_terms  # noqa: E402
from import_bench import Generator, postgres_database, sqlite_database  # noqa: E402

CORES = os.cpu_count() or 1
LOAD_CHUNK = 100_000  # lines per import_lines() call and transaction: the whole file up to 100k

# --- the query mix ---------------------------------------------------------------------
# Each query is sent equally often. "narrow" finds up to a few hundred entries at 100k,
# "typical" a few thousand, "broad" tens of thousands or everything; the printed match
# counts show what each found. Words come from the taxonomy and the generator's text.


@dataclass
class Query:
    cls: str
    args: dict  # as in the URL: q, filters (lists), sort

    @property
    def path(self) -> str:
        return "/search?" + urlencode(self.args, doseq=True)

    @property
    def label(self) -> str:
        parts = [f"q={self.args['q']!r}"] if self.args.get("q") else ["(no words)"]
        parts += [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in self.args.items() if k != "q"]
        return " ".join(parts)


MIX = [
    Query("narrow", {"q": "Navarro Inès"}),
    Query("narrow", {"q": "Pinacoteca di Siena", "technique": ["nlp"]}),
    Query("narrow", {"q": "chatbot", "country": ["IT"], "stage": ["discontinued"], "risk": ["high"]}),
    Query("narrow", {"q": "Stadtarchiv Dresden Moderne"}),
    Query("typical", {"q": "handwritten text recognition"}),
    Query("typical", {"q": "chatbot musée"}),
    Query("typical", {"q": "knowledge graph", "country": ["FR"]}),
    Query("typical", {"q": "provenance", "type": ["project"], "stage": ["production"]}),
    Query("broad", {"q": ""}),
    Query("broad", {"q": "museum"}),
    Query("broad", {"q": "", "type": ["project"], "language": ["en"]}),
    Query("broad", {"q": "digitised records", "technique": ["computer-vision", "text-recognition"]}),
]
CLASSES = ("narrow", "typical", "broad")


# --- figures -----------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Samples:
    """Seconds per query of the mix, in MIX order."""

    by_query: list[list[float]] = field(default_factory=lambda: [[] for _ in MIX])

    def all(self, cls: str | None = None) -> list[float]:
        return [t for q, ts in zip(MIX, self.by_query) if cls in (None, q.cls) for t in ts]

    def p(self, q: float, cls: str | None = None) -> float:
        return pct(self.all(cls), q)

    def mean(self) -> float:
        values = self.all()
        return sum(values) / len(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def print_layer(label: str, samples: Samples) -> None:
    classes = " / ".join(f"{samples.p(0.5, c) * 1000:.1f}" for c in CLASSES)
    print(f"  {label:<36} p50 {ms(samples.p(0.5))} ms  p95 {ms(samples.p(0.95))} ms  mean {ms(samples.mean())} ms"
          f"   p50 narrow/typical/broad {classes} ms")


def timed_rounds(rounds: int, layers: dict[str, Callable[[int], float]]) -> dict[str, Samples]:
    """One untimed round of the mix to warm up, then `rounds` timed rounds; layer(i) runs query i
    and returns its seconds. Each query is timed in every layer one right after the other: this
    machine's speed drifts (the same code has measured 20% slower a few minutes later), and
    interleaved, a drift moves every layer alike instead of whichever phase it fell on."""
    for i in range(len(MIX)):
        for run in layers.values():
            run(i)
    samples = {name: Samples() for name in layers}
    for _ in range(rounds):
        for i in range(len(MIX)):
            for name, run in layers.items():
                samples[name].by_query[i].append(run(i))
    return samples


# --- loading -----------------------------------------------------------------------------


def load(app, path: Path, n: int, limit: float | None) -> tuple[int, float]:
    """import_lines() as `flask hub import` runs it, one transaction per LOAD_CHUNK lines;
    stops after the chunk that passes `limit` seconds. Returns (lines loaded, seconds)."""
    start = time.perf_counter()
    done = 0
    with app.app_context(), path.open(encoding="utf-8") as f:
        while limit is None or time.perf_counter() - start < limit:
            lines = [line.rstrip("\n") for line in islice(f, LOAD_CHUNK)]
            if not lines:
                break
            with transaction():
                summary = importer.import_lines(lines, publish=True)
            if summary.errors:
                raise SystemExit(f"import errors: {summary.errors[:3]}")
            db.session.remove()
            done += len(lines)
            if n > LOAD_CHUNK:
                print(f"    loaded {done:,} lines, {time.perf_counter() - start:.0f} s", flush=True)
    return done, time.perf_counter() - start


def after_load(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # as a later checkpoint would
    engine.dispose()


def settings(url: str) -> str:
    """What the app's connections run with: SQLite's pragmas (hub.db), PostgreSQL's memory settings."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            names = ("shared_buffers", "work_mem", "effective_cache_size", "jit")
            values = [connection.exec_driver_sql(f"SHOW {name}").scalar() for name in names]
        else:
            names = ("cache_size", "mmap_size", "journal_mode", "synchronous")
            values = [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names]
    engine.dispose()
    return ", ".join(f"{k} {v}" for k, v in zip(names, values))


def database_size(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            size = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        else:
            size = Path(engine.url.database).stat().st_size
        documents = connection.exec_driver_sql("SELECT count(*) FROM search_documents").scalar()
        facets = connection.exec_driver_sql("SELECT count(*) FROM search_facets").scalar()
    engine.dispose()
    return f"{documents:,} documents, {facets:,} facet rows, database {size / 1e6:,.0f} MB"


# --- (a) the floor ---------------------------------------------------------------------------


def floor_sql(app) -> list[Statements]:
    """The backend's SQL for each query of the mix, built as services.search() builds the query."""
    built = []
    with app.app_context():
        engine = services.backend()
        for q in MIX:
            text = clean_query(q.args.get("q"))
            terms = query_terms(text)
            filters = services.clean_filters({k: v for k, v in q.args.items() if k not in ("q", "sort")})
            sort = q.args.get("sort") if q.args.get("sort") in ("relevance", "newest") else (
                "relevance" if terms else "newest")
            built.append(engine.statements(SearchQuery(terms=terms, filters=filters, sort=sort, page=1)))
    return built


@contextmanager
def floor_runner(app, url: str, statements: list[Statements]):
    """The same statements as SqlBackend.search(), on a plain connection: the page, then the
    total and the facets of every match (SqlBackend.count(): tally() over the facet summaries,
    on an even sample above FACETS_EXACT_UP_TO matches). Yields (run, totals by query)."""
    with app.app_context():
        engine = services.backend()
    database = sa.create_engine(url)  # hub.db's connect pragmas apply to every SQLite engine
    totals = [0] * len(MIX)
    pages = [sa.text(s.page) for s in statements]
    with database.connect() as connection:
        def run(i: int) -> float:
            start = time.perf_counter()
            connection.execute(pages[i], statements[i].params).all()
            total, _, _ = engine.count(connection, statements[i])
            seconds = time.perf_counter() - start
            connection.rollback()
            totals[i] = total
            return seconds

        yield run, totals
    database.dispose()


# --- (b) the service -----------------------------------------------------------------------


def service_runner(app, record: bool) -> tuple[Callable[[int], float], list[int]]:
    totals = [0] * len(MIX)

    def run(i: int) -> float:
        args = MIX[i].args
        filters = {k: v for k, v in args.items() if k not in ("q", "sort")}
        with app.app_context():  # a request's session: removed at the end of the context
            start = time.perf_counter()
            if record:
                with transaction():  # as the view: counted, then committed
                    page = services.search(args.get("q"), filters, args.get("sort"), 1, record=True)
            else:
                page = services.search(args.get("q"), filters, args.get("sort"), 1, record=False)
            seconds = time.perf_counter() - start
            totals[i] = page.result.total
        return seconds

    return run, totals


# --- (c) the HTTP request --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def server(url: str, workers: int, record: bool, log: Path):
    """gunicorn with production settings on a free port; stopped (SIGTERM, then waited for) at the end."""
    port = free_port()
    env = dict(os.environ, HUB_ENV="production", SECRET_KEY=secrets.token_urlsafe(32), DATABASE_URL=url,
               BENCH_SEARCH_RECORD="1" if record else "0")
    module = "app:app" if record else "bench.search_bench_app:app"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--timeout", "120", "--log-level", "warning", module],
            env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(port, "/search?q=")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        for _ in range(2 * workers):  # every worker connected, its templates compiled
            for q in MIX:
                get(port, q.path)
        yield port, process.pid  # the master: its children are the workers
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_runner(port: int) -> Callable[[int], float]:
    def run(i: int) -> float:
        start = time.perf_counter()
        status, body = get(port, MIX[i].path)
        seconds = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"{MIX[i].path}: HTTP {status}")
        return seconds

    return run


_WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(95)))
end
"""


# --- CPU accounting on a shared machine ------------------------------------------------------
# The client (wrk) runs on the same cores as the server, and other work may run there too (this
# machine is shared): both are measured, so that the figures say how many cores the server had.

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def process_cpu(parent: int | None = None, database: str | None = None) -> float:
    """CPU seconds of the children of `parent` (gunicorn's workers), or of PostgreSQL for
    `database`: its backends (their command line names it) and what the postmaster reaped from
    its children meanwhile (the parallel workers that help a backend for one query, which a
    look at the live processes misses; nothing else uses PostgreSQL during the run), from /proc."""
    total = 0
    postmasters = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
            if parent is not None and int(parts[1]) == parent:
                total += int(parts[11]) + int(parts[12])
            elif database and f" {database} ".encode() in (stat.parent / "cmdline").read_bytes() + b" ":
                total += int(parts[11]) + int(parts[12])
                postmasters.add(int(parts[1]))
        except (OSError, IndexError):
            continue
    for pid in postmasters:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(parts[13]) + int(parts[14])  # cutime, cstime: its children that ended
        except (OSError, IndexError):
            continue
    return total / CLK_TCK


def busy_cores(seconds: float) -> float:
    busy0, total0 = cpu_busy()
    time.sleep(seconds)
    busy1, total1 = cpu_busy()
    return (busy1 - busy0) / max(total1 - total0, 1) * CORES


def wait_for_quiet(label: str, limit: float = 600, threshold: float = 0.25) -> None:
    """Before a timed phase, while this benchmark is idle: wait until the rest of the machine uses
    under `threshold` cores, for at most `limit` seconds; say so when it had to wait."""
    start = time.monotonic()
    load = busy_cores(1.0)
    while load >= threshold and time.monotonic() - start < limit:
        load = busy_cores(2.0)
    waited = time.monotonic() - start
    if load >= threshold:
        print(f"  !! {label}: other work on the machine still used {load:.2f} cores after {waited:.0f} s")
    elif waited > 2:
        print(f"  ({label}: waited {waited:.0f} s for other work on the machine to finish)", flush=True)


@contextmanager
def watched(label: str):
    """A one-client phase uses about one core (client, app and database take turns): more than
    1.3 cores on average means other work ran alongside, and its figures are suspect."""
    busy0, total0 = cpu_busy()
    yield
    busy1, total1 = cpu_busy()
    cores = (busy1 - busy0) / max(total1 - total0, 1) * CORES
    if cores > 1.3:
        print(f"  !! {label}: the machine was busy {cores:.2f} of {CORES} cores: other work ran alongside")


def wait_until_idle(pid: int | None, limit: float = 120) -> None:
    """Until gunicorn's workers use (almost) no CPU for half a second."""
    if not pid:
        return
    deadline = time.monotonic() + limit
    before = process_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = process_cpu(pid)
        if now - before < 0.03:
            return
        before = now


@dataclass
class Load:
    throughput: float  # successful (2xx/3xx) responses a second
    p50: float
    p95: float
    requests: int
    errors: str
    client_cores: float  # wrk
    server_cores: float  # gunicorn's workers
    database_cores: float  # PostgreSQL: the backends of this database and their parallel workers
    busy_cores: float  # the whole machine
    floor_mean: float  # seconds: the floor's mean over the mix, just before and after

    @property
    def other_cores(self) -> float:
        return max(0.0, self.busy_cores - self.client_cores - self.server_cores - self.database_cores)


LOAD_FLOOR_ROUNDS = 3  # rounds of the floor just before and just after each load run


def run_load(port: int, seconds: int, connections: int, folder: Path, gunicorn_pid: int,
             database: str | None, floor_run: Callable[[int], float]) -> Load:
    """wrk's run, and the floor's mean over the mix timed right before and right after it (the
    capacity the throughput is compared with, measured at the same machine speed)."""
    script = folder / "mix.lua"
    script.write_text(_WRK_SCRIPT % ", ".join(f'"{q.path}"' for q in MIX))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
               f"http://127.0.0.1:{port}"]
    subprocess.run(command[:3] + ["-d2s"] + command[4:], capture_output=True, check=True)  # warm-up
    wait_until_idle(gunicorn_pid)  # wrk leaves its last requests queued in the server: let them finish
    wait_for_quiet("before the load run")
    floor_before = timed_rounds(LOAD_FLOOR_ROUNDS, {"floor": floor_run})["floor"]
    busy0, total0 = cpu_busy()
    server0, database0 = process_cpu(gunicorn_pid), process_cpu(database=database)
    with (folder / "wrk.out").open("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        output = out.read()
    busy1, total1 = cpu_busy()
    server1, database1 = process_cpu(gunicorn_pid), process_cpu(database=database)
    wait_until_idle(gunicorn_pid)
    floor_after = timed_rounds(LOAD_FLOOR_ROUNDS, {"floor": floor_run})["floor"]
    line = next((x for x in output.splitlines() if x.startswith("BENCH ")), None)
    if status or line is None:
        raise SystemExit(f"wrk failed:\n{output}")
    requests, duration, e_status, e_connect, e_read, e_write, e_timeout, p50, p95 = map(int, line.split()[1:])
    wall = duration / 1e6
    errors = ", ".join(f"{n} {k}" for k, n in (("non-2xx", e_status), ("connect", e_connect), ("read", e_read),
                                              ("write", e_write), ("timeout", e_timeout)) if n) or "none"
    return Load((requests - e_status) / wall, p50 / 1e6, p95 / 1e6, requests, errors,
                (usage.ru_utime + usage.ru_stime) / wall, (server1 - server0) / wall,
                (database1 - database0) / wall if database else 0.0,
                (busy1 - busy0) / max(total1 - total0, 1) * CORES, (floor_before.mean() + floor_after.mean()) / 2)


# --- one database ----------------------------------------------------------------------------


def run(kind: str, url: str, path: Path | None, args) -> None:
    print(f"\n{kind} ({sa.make_url(url).render_as_string(hide_password=True)})", flush=True)
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
    if path is not None:
        with app.app_context():
            from flask_migrate import upgrade

            logging.disable(logging.INFO)  # alembic's env.py turns its INFO lines on
            upgrade()
            logging.disable(logging.NOTSET)
            db.engine.dispose()
        loaded, seconds = load(app, path, args.n, args.max_load_seconds)
        start = time.perf_counter()
        after_load(url)
        print(f"  loaded {loaded:,} lines through importer.import_lines() in {seconds:.1f} s "
              f"({loaded / seconds:,.0f} lines/s); then {'VACUUM ANALYZE' if kind == 'PostgreSQL' else 'a WAL checkpoint'}"
              f" {time.perf_counter() - start:.1f} s")
        if loaded < args.n:
            print(f"  !! stopped loading at the --max-load-seconds bound: {loaded:,} of {args.n:,} lines")
    print(f"  {database_size(url)}; {settings(url)}", flush=True)
    with app.app_context():
        documents = db.session.scalar(sa.text("SELECT count(*) FROM search_documents"))
        db.session.remove()
        db.engine.dispose()

    rounds = args.rounds or (15 if documents <= 200_000 else 3)
    database = sa.make_url(url).database if kind == "PostgreSQL" else None
    with tempfile.TemporaryDirectory(prefix="hub-search-bench-") as folder, \
            floor_runner(app, url, floor_sql(app)) as (floor_run, totals):
        folder = Path(folder)
        log = folder / "gunicorn.log"
        service_run, service_totals = service_runner(app, record=False)
        recorded_run, _ = service_runner(app, record=True)
        loads = {}
        with server(url, args.workers, True, log) as (port, pid):
            wait_for_quiet("before the one-client rounds")
            with watched("one client"):
                timed = timed_rounds(rounds, {"floor": floor_run, "service": service_run, "recorded": recorded_run,
                                              "http": http_runner(port)})
            loads["record"] = run_load(port, args.seconds, args.connections, folder, pid, database, floor_run)
        with server(url, args.workers, False, log) as (port, pid):
            loads["no record"] = run_load(port, args.seconds, args.connections, folder, pid, database, floor_run)
        server_log = log.read_text(errors="replace").splitlines()
        server_errors = Counter(x.strip() for x in server_log if x.startswith(("sqlite3.", "psycopg.", "sqlalchemy.")))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    floor, service, recorded, http_single = timed["floor"], timed["service"], timed["recorded"], timed["http"]
    if totals != service_totals:
        print(f"  !! the floor and the service disagree on totals: {totals} vs {service_totals}")

    print(f"\n  {'query':<62} {'class':<8} {'matches':>8}  {'floor':>7} {'service':>8} {'/search':>8}  "
          f"/search÷floor  (p50 ms)")
    for i, q in enumerate(MIX):
        f50, s50, h50 = (pct(x.by_query[i], 0.5) for x in (floor, service, http_single))
        sampled = "*" if totals[i] > FACETS_EXACT_UP_TO else " "
        print(f"  {q.label[:62]:<62} {q.cls:<8} {totals[i]:>8,}{sampled}{ms(f50)} {ms(s50)} {ms(h50)}  {h50 / f50:8.1f}x")
    if any(total > FACETS_EXACT_UP_TO for total in totals):
        print(f"  * facets counted on an even sample of about {FACETS_EXACT_UP_TO:,} matches (by floor and service alike)")

    print(f"\n  the mix, {rounds} rounds of {len(MIX)} queries; one client:")
    print_layer("(a) floor: the backend's SQL, raw", floor)
    print_layer("(b) service, record=False", service)
    print_layer("(b) service, record=True + commit", recorded)
    print_layer("(c) GET /search (gunicorn)", http_single)
    r50, r95 = http_single.p(0.5) / floor.p(0.5), http_single.p(0.95) / floor.p(0.95)
    print(f"  ratio /search ÷ floor: p50 {r50:.2f}x, p95 {r95:.2f}x, mean {http_single.mean() / floor.mean():.2f}x; "
          f"service ÷ floor p50 {service.p(0.5) / floor.p(0.5):.2f}x; "
          f"counting the query adds {1000 * (recorded.p(0.5) - service.p(0.5)):.2f} ms at p50")

    print(f"\n  under load: wrk, {args.connections} connections, {args.seconds} s, one thread cycling through the mix; "
          f"gunicorn --workers {args.workers}; {CORES} cores")
    print(f"  the floor's capacity: {CORES} cores / the floor's mean over the mix, timed for {LOAD_FLOOR_ROUNDS} rounds "
          f"just before and just after each load run")
    for label, result in loads.items():
        capacity = CORES / result.floor_mean
        left = CORES - result.client_cores - result.other_cores
        print(f"  {'/search, query ' + ('counted' if label == 'record' else 'NOT counted'):<30} "
              f"{result.throughput:7.1f} req/s answered (2xx) = {result.throughput / capacity:5.0%} of capacity "
              f"(floor mean {result.floor_mean * 1000:.1f} ms: {capacity:,.1f} req/s; "
              f"{result.throughput / (left / result.floor_mean):.0%} of the {left:.2f} cores left by the client "
              f"and other work); p50 {result.p50 * 1000:.0f} ms, p95 {result.p95 * 1000:.0f} ms; "
              f"{result.requests:,} requests, errors: {result.errors}")
        print(f"  {'':<30} CPU, in cores: machine busy {result.busy_cores:.2f} of {CORES} = gunicorn workers "
              f"{result.server_cores:.2f} + PostgreSQL (backends, parallel workers) {result.database_cores:.2f} + client (wrk) "
              f"{result.client_cores:.2f} + other processes {result.other_cores:.2f}")
    for message, count in server_errors.most_common(3):
        print(f"  !! the server logged {count} x {message[:160]}")
    load_ratio = loads["record"].throughput * loads["record"].floor_mean / CORES
    print(f"\n  targets (at 100,000 entries; the last at 1,000,000), here {documents:,} documents:")
    check("one client: /search p50 within 1.5x of the floor's", r50 <= 1.5, f"{r50:.2f}x")
    if kind == "SQLite" and documents <= 200_000:
        check("one client: /search p95 under 150 ms", http_single.p(0.95) < 0.150,
              f"{http_single.p(0.95) * 1000:.0f} ms")
    check("loaded throughput (2xx, queries counted) at least 70% of the floor's capacity", load_ratio >= 0.7,
          f"{load_ratio:.0%}")
    if documents > 200_000:
        check("one client: /search p95 under 1 s", http_single.p(0.95) < 1.0, f"{http_single.p(0.95) * 1000:.0f} ms")


def revision() -> str:
    """The commit measured, and the files of hub/ changed since (others work in the same tree)."""
    def git(*command: str) -> str:
        try:
            return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True).stdout.rstrip()
        except OSError:
            return "?"
    changed = git("status", "--porcelain", "--", "hub", "config.py", "migrations").splitlines()
    return git("log", "-1", "--format=%h %s")[:90] + (f" + uncommitted: {', '.join(x[3:] for x in changed)}"
                                                      if changed else "")


def check(label: str, ok: bool, figure: str) -> None:
    print(f"    {'MET   ' if ok else 'NOT MET'} {label}: {figure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="entries to generate (default 100,000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, help="timed rounds of the mix per layer (default 15; 3 above 200,000 documents)")
    parser.add_argument("--seconds", type=int, default=15, help="length of each load run (default 15)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * CORES + 1, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--max-load-seconds", type=float,
                        help="stop loading after the chunk that passes this time, and time what was loaded")
    parser.add_argument("--keep", action="store_true", help="keep the databases (their URLs are printed)")
    parser.add_argument("--url", help="reuse this loaded database instead of generating and loading")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the load runs: apt-get install -y wrk")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise SystemExit("gunicorn is needed (requirements.txt): run with .venv/bin/python") from None

    print(f"tree: {revision()}; {CORES} cores; python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
    if args.url:
        url = args.url
        run("PostgreSQL" if url.startswith("postgresql") else "SQLite", url, None, args)
        return
    with tempfile.TemporaryDirectory(prefix="hub-search-bench-lines-") as folder:
        path = Path(folder) / "entries.jsonl"
        start = time.perf_counter()
        with path.open("w", encoding="utf-8") as f:
            for line in Generator(args.seed).lines(args.n):
                f.write(line + "\n")
        size = path.stat().st_size
        print(f"{args.n:,} lines, {size / 1e6:.1f} MB, generated in {time.perf_counter() - start:.1f} s", flush=True)
        if args.database in ("sqlite", "both"):
            with kept_sqlite() if args.keep else sqlite_database() as url:
                run("SQLite", url, path, args)
        if args.database in ("postgresql", "postgres", "both"):
            with kept_postgres() if args.keep else postgres_database() as url:
                if url:
                    run("PostgreSQL", url, path, args)


@contextmanager
def kept_sqlite():
    folder = tempfile.mkdtemp(prefix="hub-search-bench-kept-")
    url = f"sqlite:///{folder}/bench.db"
    yield url
    print(f"  kept: --url {url}")


@contextmanager
def kept_postgres():
    from import_bench import POSTGRES_URL

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"hub_search_bench_kept_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    print(f"  kept: --url {url} (drop it with: DROP DATABASE \"{name}\")")


if __name__ == "__main__":
    main()
