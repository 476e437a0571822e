"""Benchmark of GET /api/v1/payments?per_page=50 against a bare Flask endpoint serving the same 50 rows.

Both run under gunicorn with 2 sync workers on loopback; wrk drives each in turn. The real endpoint does all
its work on every request (bearer-token authentication, the page query, the total, serialisation): nothing is
cached between requests. The bare endpoint returns the same JSON body, computed once at start-up.

    .venv/bin/python bench/bench_api.py                 # 100,000 payments, 3 rounds of 10 s each
    .venv/bin/python bench/bench_api.py --payments 20000 --duration 5 --rounds 1
    .venv/bin/python bench/bench_api.py --references    # also issue 4's reference versions (bench/reference_app.py)

The database (kept in --workdir, default $TMPDIR/fundtracker-bench-api) holds the demo data set
(`flask seed all`) plus the extra payments, bulk-inserted with SQLAlchemy Core (no journal entries for them:
this measures the list, not the books). Goal (issue 4): the real endpoint reaches >= 0.4 of the bare one's
requests/s.

With --references, each round also measures the issue's own reference versions of the list (ORM objects,
marshmallow, count(*): 0.09 of the bare endpoint on the issue author's machine; without the count, 0.15; Core rows,
0.25), served by the real application under the same settings: how they fare here tells how this machine compares
with that one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from fundtracker.config import normalise_database_url  # noqa: E402

PATH = "/api/v1/payments?per_page=50"
BARE_APP = '''"""The bare endpoint: the same 50 rows as precomputed JSON, nothing else."""
import gc
from pathlib import Path

from flask import Flask, Response

BODY = Path(__file__).with_name("page.json").read_bytes()
app = Flask(__name__)
gc.freeze()  # as wsgi.py does for the real application


@app.get("/api/v1/payments")
def payments():
    return Response(BODY, mimetype="application/json")
'''


def build(url: str, payments: int) -> str:
    """Demo data plus `payments` bulk-inserted payments in the database at `url` (built once, kept for the next
    run); returns a new API token of a finance officer."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from fundtracker import create_app
    from fundtracker.auth.models import FINANCE, User
    from fundtracker.auth.tokens import create_token
    from fundtracker.contributions.models import CONFIRMED, Payment, Pledge
    from fundtracker.demo import seed_demo
    from fundtracker.extensions import db
    from fundtracker.seeding import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()  # a database kept from an earlier run gets the newer migrations (indexes among them)
        if not _built(db.engine, payments):
            started = time.perf_counter()
            seed_reference(db.session)
            seed_demo(db.session)
            db.session.commit()
            pledges = db.session.execute(select(Pledge.id, Pledge.currency, Pledge.rate)
                                         .where(Pledge.state == CONFIRMED)).all()
            rng = random.Random(4)
            start = dt.date(2022, 1, 1)
            rows = []
            for n in range(payments):
                pledge_id, currency, rate = rng.choice(pledges)
                day = start + dt.timedelta(days=rng.randrange(4 * 365))
                minor = rng.randrange(1_000, 50_000_000)
                rows.append({"pledge_id": pledge_id, "received_date": day, "currency": currency,
                             "amount_minor": minor, "rate": rate, "rate_date": day,
                             "usd_minor": int(minor / rate), "reference": f"BENCH-{n:06d}"})
                if len(rows) == 10_000:
                    db.session.execute(insert(Payment), rows)
                    rows = []
            if rows:
                db.session.execute(insert(Payment), rows)
            db.session.commit()
            db.session.execute(text("ANALYZE"))  # PostgreSQL plans the list from statistics
            db.session.commit()
            print(f"built {url} in {time.perf_counter() - started:.0f} s", flush=True)
        user = db.session.execute(select(User).where(User.role == FINANCE).order_by(User.id)).scalars().first()
        _token, raw = create_token(db.session, user_id=user.id, name="bench", actor=user)
        db.session.commit()
        db.engine.dispose()
    return raw


def _built(engine: Any, payments: int) -> bool:
    from sqlalchemy import inspect

    if "payment" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM payment")).scalar_one() >= payments


def postgres_database(url: str, fresh: bool) -> str:
    """Create the bench's PostgreSQL database named in `url` if it is missing (dropped first when fresh)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if fresh:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(target: str, chdir: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
         "--chdir", str(chdir), "--log-level", "warning", target],
        env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (404 or a redirect refused): up
        except OSError:
            time.sleep(0.1)
    return process, base


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def fetch(url: str, token: str | None) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def in_process(url: str, token: str, body: bytes, bare_module: Path,
               requests: int = 1500) -> dict[str, dict[str, float]]:
    """Microseconds a request of the real list and of the bare endpoint as plain WSGI calls in this process (no
    server, no network), in a tight loop and with a 100 us pause before each call, as a worker waits on the network
    between requests. The tight figure is the code's own cost; what the pause adds shows how much that cost grows
    when the caches go cold between calls, as they do under gunicorn on a busy machine. Medians of 3 runs."""
    import importlib.util

    from werkzeug.test import EnvironBuilder

    from fundtracker import create_app
    from fundtracker.extensions import db

    real = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    # The bare server's own module (bare_app.py and page.json, written into the workdir), which freezes as the
    # workers do.
    spec = importlib.util.spec_from_file_location("bare_app", bare_module)
    bare_app = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bare_app)  # type: ignore[union-attr]
    path, _, query = PATH.partition("?")

    def answer(app: Any, headers: dict[str, str]) -> tuple[bytes, float]:
        environ = EnvironBuilder(path=path, query_string=query, headers=headers).get_environ()
        started = time.perf_counter()
        chunks = app(environ, lambda status, headers, exc_info=None: None)
        content = b"".join(chunks)
        chunks.close()
        return content, time.perf_counter() - started

    def call(app: Any, headers: dict[str, str], pause: bool) -> float:
        if pause:
            time.sleep(0.0001)
        return answer(app, headers)[1]

    out: dict[str, dict[str, float]] = {}
    for name, app, headers in (("api", real, {"Authorization": f"Bearer {token}"}), ("bare", bare_app.app, {})):
        assert answer(app, headers)[0] == body
        out[name] = {
            kind: statistics.median(
                1e6 * sum(call(app, headers, kind == "paused") for _ in range(requests)) / requests
                for _ in range(3))
            for kind in ("tight", "paused")}
    with real.app_context():
        db.engine.dispose()
    return out


def wrk(url: str, token: str | None, duration: int, threads: int, connections: int) -> dict[str, float]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out and "timeout" in out:
        raise SystemExit("wrk saw errors:\n" + out)

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency("50"), "p99": latency("99")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating real/bare measurements; medians")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "fundtracker-bench-api")
    parser.add_argument("--database-url", help="default: a SQLite file in --workdir; a PostgreSQL URL names a "
                        "database that the script creates (e.g. postgresql://postgres@127.0.0.1/fundtracker_bench)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--references", action="store_true",
                        help="also measure the issue's reference versions of the list in each round")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.database_url and args.database_url.startswith("postgres"):
        url = postgres_database(normalise_database_url(args.database_url), args.fresh)
    else:
        db_path = args.workdir / f"bench-{args.payments}.sqlite3"
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
        url = args.database_url or f"sqlite:///{db_path}"
    token = build(url, args.payments)

    env = {"FUNDTRACKER_DATABASE_URL": url, "FUNDTRACKER_SECRET_KEY": "bench-secret"}
    real, real_base = start_gunicorn("wsgi:app", REPO, env, args.workers)
    servers = [real]
    try:
        body = fetch(real_base + PATH, token)
        (args.workdir / "page.json").write_bytes(body)
        (args.workdir / "bare_app.py").write_text(BARE_APP)
        bare, bare_base = start_gunicorn("bare_app:app", args.workdir, {}, args.workers)
        servers.append(bare)
        assert fetch(bare_base + PATH, None) == body
        # What each round measures: name -> (URL, token).
        targets = {"api": (real_base + PATH, token), "bare": (bare_base + PATH, None)}
        if args.references:
            from reference_app import REFERENCES  # bench/ is the script's own directory

            reference, reference_base = start_gunicorn(
                "reference_app:make_app()", REPO / "bench", {**env, "PYTHONPATH": str(REPO)}, args.workers)
            servers.append(reference)
            for name, reference_list in REFERENCES.items():
                url_ = f"{reference_base}{reference_list.path}?per_page=50"
                # The same 50 rows, field for field (the obvious version's keys come sorted, its count separately).
                assert orjson.loads(fetch(url_, token)) == orjson.loads(body), f"{name} answers other rows"
                targets[name] = (url_, token)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for target, auth in targets.values():  # warm-up
            wrk(target, auth, 2, args.threads, args.connections)
        for _ in range(args.rounds):
            for name, (target, auth) in targets.items():
                results[name].append(wrk(target, auth, args.duration, args.threads, args.connections))
        # Where the time goes: the same application answering without the list (context, not the goal).
        floors = {"/healthz (app, no token)": wrk(real_base + "/healthz", None, args.duration, args.threads,
                                                  args.connections),
                  "/api/v1/me (app + token)": wrk(real_base + "/api/v1/me", token, args.duration,
                                                  args.threads, args.connections)}
        with urllib.request.urlopen(urllib.request.Request(
                real_base + PATH, headers={"Authorization": f"Bearer {token}"})) as response:
            total = response.headers["X-Total-Count"]
    finally:
        for server in servers:
            stop(server)
    cost = in_process(url, token, body, args.workdir / "bare_app.py")

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"\nGET {PATH}: {total} payments in the database ({url.split(':')[0]}); "
          f"gunicorn {args.workers} sync workers; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; median of {args.rounds}")
    print(f"{'endpoint':<10}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for name in ("api", "bare"):
        print(f"{name:<10}{median(name, 'rps'):>12.0f}{median(name, 'p50'):>10.2f}{median(name, 'p99'):>10.2f}")
    ratio = median("api", "rps") / median("bare", "rps")
    # Three places: near the goal, two would print 0.396 as 0.40. Each round's pair is measured back to back, so
    # the spread of the per-round ratios shows how much of the figure is the machine's noise.
    rounds = [a["rps"] / b["rps"] for a, b in zip(results["api"], results["bare"], strict=True)]
    print(f"ratio api/bare requests/s: {ratio:.3f} (goal >= 0.400); per round {min(rounds):.3f}-{max(rounds):.3f}, "
          f"median {statistics.median(rounds):.3f}")
    for name in results:
        print(f"  {name} rounds: " + ", ".join(f"{r['rps']:.0f}" for r in results[name]))
    if args.references:
        print("issue 4's reference versions, same server settings, same rounds (of bare: here / issue's machine):")
        for name, reference_list in REFERENCES.items():
            print(f"  {reference_list.label:<37}{median(name, 'rps'):>8.0f} requests/s  p50 "
                  f"{median(name, 'p50'):.2f} ms  {median(name, 'rps') / median('bare', 'rps'):.3f} / "
                  f"{reference_list.theirs:.2f}")
    print("in-process WSGI calls, us a request (tight loop / with a 100 us pause before each, as a worker waits):")
    for name, c in cost.items():
        print(f"  {name:<6}{c['tight']:>8.0f} /{c['paused']:>5.0f}   the pause adds {c['paused'] / c['tight'] - 1:.0%}")
    print("same server, other endpoints (one run each):")
    for name, r in floors.items():
        print(f"  {name:<28}{r['rps']:>8.0f} requests/s  p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  "
              f"({r['rps'] / median('bare', 'rps'):.2f} of bare)")


if __name__ == "__main__":
    main()
