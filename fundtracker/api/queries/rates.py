"""UN operational rates for the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, String, func, select, type_coerce
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...fx.models import ExchangeRate as R
from ..paging import Page, SortKey, count_of, keyset_page

SORTS = {"effective_date": SortKey(R.effective_date, dt.date), "id": SortKey(R.id, int)}
COLUMNS = (
    R.id,
    R.currency,
    type_coerce(R.effective_date, String).label("effective_date"),
    type_coerce(R.units_per_usd, BigInteger).label("rate_scaled"),
    R.source,
)


def list_rates(session: Session, args: dict[str, Any]) -> Page:
    conditions = []
    if args.get("currency"):
        conditions.append(R.currency == args["currency"])
    if args.get("date_from"):
        conditions.append(R.effective_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(R.effective_date <= args["date_to"])
    return keyset_page(
        session,
        select(*COLUMNS).where(*conditions),
        id_column=R.id,
        sorts=SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(R).where(*conditions)),
    )


def get_rate(session: Session, rate_id: int) -> Any:
    row = session.execute(select(*COLUMNS).where(R.id == rate_id)).first()
    if row is None:
        raise NotFound("This exchange rate does not exist.")
    return row
