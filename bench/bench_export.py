"""Benchmark: the general-ledger export against a bare streaming SpreadsheetML writer, rows/s and peak RSS.

    .venv/bin/python bench/bench_export.py                 # 100,000 and 500,000 journal lines, 3 runs each
    .venv/bin/python bench/bench_export.py --sizes 20000 --runs 1

Each run is a fresh subprocess, so its peak RSS (ru_maxrss) is the whole process's: interpreter, app, SQLite
and writer. The databases are SQLite files filled with Core bulk inserts (a synthetic journal: balanced
entries with every dimension set, no valid hash chain), kept in --workdir between invocations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.5
GOAL_RSS_MB = 150


# ---------------------------------------------------------------------------------------------- database fill
def build_database(path: Path, lines: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from fundtracker import create_app
    from fundtracker.auth.services import system_actor
    from fundtracker.contributions.models import Pledge
    from fundtracker.donors.models import Donor
    from fundtracker.extensions import db
    from fundtracker.ledger.models import ACCOUNTS, JournalEntry, JournalLine
    from fundtracker.projects.models import Project
    from fundtracker.reference.models import Country, ImplementingEntity, Instrument
    from fundtracker.seeding import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        seed_reference(db.session)
        system = system_actor(db.session)
        s = db.session
        countries = s.execute(select(Country.id).order_by(Country.id).limit(20)).scalars().all()
        instruments = s.execute(select(Instrument.id)).scalars().all()
        entity = s.execute(select(ImplementingEntity.id)).scalars().first()
        donors = [
            Donor(name=f"Donor {i:02d}" + (" & Partners <Fund>" if i % 7 == 0 else ""), kind="other")
            for i in range(40)
        ]
        s.add_all(donors)
        s.flush()
        projects = [
            Project(
                code=f"GLO/B{i:03d}",
                title=f"Project {i}",
                implementing_entity_id=entity,
                status="active",
                start_date=dt.date(2022, 1, 1),
                end_date=dt.date(2027, 12, 31),
                lead_country_id=countries[i % len(countries)],
                lead_instrument_id=instruments[i % len(instruments)],
            )
            for i in range(60)
        ]
        s.add_all(projects)
        s.flush()
        pledges = [
            Pledge(
                donor_id=donors[i % 40].id,
                pledge_date=dt.date(2022, 1, 1),
                currency="EUR",
                original_minor=10**10,
                rate=Decimal("0.91"),
                rate_date=dt.date(2022, 1, 1),
                state="confirmed",
                psc_rate=Decimal("0.13"),
            )
            for i in range(200)
        ]
        s.add_all(pledges)
        s.flush()
        # Plain values, so that no ORM refresh opens a (write-locking) transaction during the bulk inserts.
        system_id = system.id
        pledges = [(p.id, p.donor_id) for p in pledges]
        projects = [(p.id, p.lead_country_id, p.lead_instrument_id) for p in projects]
        s.commit()
        s.close()
        rng = random.Random(6)
        currencies = [("USD", None, 1), ("EUR", Decimal("0.92345678"), 100), ("JPY", Decimal("151.2"), 1)]
        start = dt.date(2022, 1, 1)
        entry_rows, line_rows, entry_id, line_id = [], [], 0, 0
        written = 0
        engine = db.engine
        while written < lines:
            entry_id += 1
            day = start + dt.timedelta(days=(entry_id * 1826) // max(1, lines // 3))
            width = 2 if entry_id % 3 else 3
            width = min(width, lines - written) if lines - written >= 2 else 2
            cents = rng.randint(100, 50_000_000)
            pledge_id, donor_id = pledges[entry_id % 200]
            project_id, country_id, instrument_id = projects[entry_id % 60]
            currency, rate, unit = currencies[entry_id % 3]
            amounts = [cents, -cents] if width == 2 else [cents, -(cents - 137), -137]
            for k, usd in enumerate(amounts[:width]):
                line_id += 1
                line_rows.append(
                    {
                        "id": line_id,
                        "entry_id": entry_id,
                        "account": ACCOUNTS[(entry_id + k) % len(ACCOUNTS)],
                        "usd_minor": usd,
                        "currency": currency,
                        "amount_minor": int(Decimal(usd) * (rate or 1) / 100 * unit) if rate else usd,
                        "rate": rate,
                        "rate_date": day.replace(day=1) if rate else None,
                        "donor_id": donor_id,
                        "pledge_id": pledge_id,
                        "project_id": project_id,
                        "country_id": country_id,
                        "instrument_id": instrument_id,
                    }
                )
            written += width
            entry_rows.append(
                {
                    "id": entry_id,
                    "entry_date": day,
                    "kind": "payment",
                    "source_type": "payment",
                    "source_id": entry_id,
                    "description": f"Payment {entry_id} on pledge {pledge_id}",
                    "reverses_id": None,
                    "reason": None,
                    "posted_by_id": system_id,
                    "posted_at": dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC),
                    "prev_hash": "0" * 64,
                    "hash": hashlib.sha256(str(entry_id).encode()).hexdigest(),
                }
            )
            if len(line_rows) >= 20_000:
                with engine.begin() as conn:
                    conn.execute(insert(JournalEntry.__table__), entry_rows)
                    conn.execute(insert(JournalLine.__table__), line_rows)
                entry_rows, line_rows = [], []
        if line_rows:
            with engine.begin() as conn:
                conn.execute(insert(JournalEntry.__table__), entry_rows)
                conn.execute(insert(JournalLine.__table__), line_rows)
        db.engine.dispose()


# ------------------------------------------------------------------------------------------------ child runs
def child_export(db_path: Path, out: Path) -> dict[str, float]:
    from fundtracker import create_app
    from fundtracker.auth.services import system_actor
    from fundtracker.exports.services import export_workbook
    from fundtracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"})
    with app.app_context():
        actor = system_actor(db.session)
        started = time.perf_counter()
        _, chunks = export_workbook(
            db.session,
            "general-ledger",
            actor=actor,
            date_from=dt.date(2000, 1, 1),
            date_to=dt.date(2030, 12, 31),
        )
        db.session.commit()
        with out.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return {"seconds": elapsed}


def _baseline_rows(count: int):  # type: ignore[no-untyped-def]
    """Rows of the general ledger's shape (22 cells: ints, dates, text, decimals), generated in memory."""
    rng = random.Random(7)
    day = dt.date(2024, 5, 17)
    for i in range(count):
        cents = rng.randint(100, 50_000_000)
        yield (
            i // 3 + 1,
            day,
            "payment",
            f"Payment {i // 3 + 1} on pledge {i % 200 + 1}",
            "contribution_revenue",
            f"Donor {i % 40:02d}",
            i % 200 + 1,
            f"GLO/B{i % 60:03d}",
            "KEN",
            "UNTOC",
            "EUR",
            Decimal(cents * 92).scaleb(-4),
            Decimal("0.92345678"),
            day,
            Decimal(cents).scaleb(-2),
            None,
            Decimal(cents * 7).scaleb(-2),
            "system@fundtracker.invalid",
            "2024-05-17 09:30:00",
            None,
            None,
            None,
        )


def child_baseline(rows: int, out: Path) -> dict[str, float]:
    """A minimal streaming SpreadsheetML writer: zipfile (default deflate) + hand-written sheet XML."""
    started = time.perf_counter()
    epoch = dt.date(1899, 12, 30).toordinal()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            buffer = []
            for n, row in enumerate(_baseline_rows(rows), 1):
                cells = []
                for value in row:
                    if value is None:
                        cells.append("<c/>")
                    elif isinstance(value, str):
                        cells.append(f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>')
                    elif isinstance(value, dt.date):
                        cells.append(f"<c><v>{value.toordinal() - epoch}</v></c>")
                    else:
                        cells.append(f"<c><v>{value}</v></c>")
                buffer.append(f'<row r="{n}">{"".join(cells)}</row>')
                if len(buffer) >= 1000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        zf.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>',
        )
    return {"seconds": time.perf_counter() - started}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM); ru_maxrss would also count the parent's pages at fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, size: int, db_path: Path, workdir: Path) -> dict[str, float]:
    out = workdir / f"{kind}-{size}.xlsx"
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--db",
            str(db_path),
            "--rows",
            str(size),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["bytes"] = out.stat().st_size
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "fundtracker-bench-export"))
    parser.add_argument("--child", choices=["export", "baseline", "fill"])
    parser.add_argument("--db")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        os.environ.pop("DATABASE_URL", None)
        if args.child == "fill":
            build_database(Path(args.db), args.rows)
            return
        out = Path(args.out)
        result = child_export(Path(args.db), out) if args.child == "export" else child_baseline(args.rows, out)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.runs} runs, each in a "
        "fresh "
        "process"
    )
    print(f"{'lines':>8} {'writer':>9} {'rows/s':>9} {'seconds':>8} {'peak RSS MB':>12} {'file MB':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        db_path = workdir / f"ledger-{size}.sqlite3"
        if not db_path.exists():
            started = time.perf_counter()
            partial = db_path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            subprocess.run(
                [sys.executable, __file__, "--child", "fill", "--db", str(partial), "--rows", str(size)],
                check=True,
                cwd=ROOT,
                capture_output=True,
            )
            partial.rename(db_path)
            print(
                f"  (filled {db_path} with {size:,} journal lines in {time.perf_counter() - started:.1f} s)"
            )
        medians = {}
        for kind in ("export", "baseline"):
            runs = [run_child(kind, size, db_path, workdir) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = statistics.median(r["peak_rss_mb"] for r in runs)
            medians[kind] = size / seconds
            print(
                f"{size:>8,} {kind:>9} {size / seconds:>9,.0f} {seconds:>8.2f} {rss:>12.1f} "
                f"{runs[0]['bytes'] / 1e6:>8.1f}"
            )
            if kind == "export":
                export_rss = rss
        ratio = medians["export"] / medians["baseline"]
        verdict = "met" if ratio >= GOAL_RATIO and export_rss <= GOAL_RSS_MB else "MISSED"
        print(
            f"{size:>8,} ratio export/baseline {ratio:.2f} (goal >= {GOAL_RATIO}); export peak RSS "
            f"{export_rss:.1f} MB (goal <= {GOAL_RSS_MB}): {verdict}"
        )


if __name__ == "__main__":
    main()
