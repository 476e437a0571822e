"""The donor table."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..reference.models import Country

MEMBER_STATE = "member_state"
INTERGOVERNMENTAL = "intergovernmental"
PRIVATE = "private"
OTHER = "other"
DONOR_KINDS = (MEMBER_STATE, INTERGOVERNMENTAL, PRIVATE, OTHER)


class Donor(db.Model):
    __tablename__ = "donor"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    country: Mapped[Country | None] = relationship()
