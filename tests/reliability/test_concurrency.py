"""Concurrency: 50 threads allocating from one contribution at once never overdraw it."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from fundtracker.allocations.services import allocate
from fundtracker.auth.services import system_actor
from fundtracker.errors import InvalidInput
from fundtracker.extensions import db
from fundtracker.ledger.queries import figures
from fundtracker.ledger.verify import verify_ledger

THREADS = 50


def test_fifty_simultaneous_allocations_never_overdraw(app, make, session):
    pledge, project = make.funded_project("1000.00")
    # undo the factory's own allocation so the whole 1000.00 is available
    from fundtracker.ledger.services import reverse_entry

    reverse_entry(
        session,
        make.entry_for("allocation", 1).id,
        reason="test set-up",
        actor=make.system,
        reversal_date=dt.date(2025, 3, 2),
    )
    pledge_id, project_id = pledge.id, project.id
    # commit last: on SQLite any later read would open a write-intent transaction and hold the lock
    session.commit()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            actor = system_actor(db.session)
            db.session.commit()
            barrier.wait()
            try:
                allocate(
                    db.session,
                    pledge_id=pledge_id,
                    project_id=project_id,
                    amount_usd=Decimal("30.00"),
                    allocation_date=dt.date(2025, 4, 1),
                    actor=actor,
                )
                db.session.commit()
                result = "ok"
            except InvalidInput:
                db.session.rollback()
                result = "refused"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == THREADS
    session.expire_all()
    row = figures(session, (), pledge_ids=[pledge_id])[0]
    # 1000.00 / 30.00 allows exactly 33 allocations
    assert outcomes.count("ok") == 33 and outcomes.count("refused") == 17
    assert row["allocated"] == 33 * 3000 and row["available_to_allocate"] == 1000
    assert verify_ledger(session).ok
