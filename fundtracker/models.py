"""Imports every model module so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from .allocations import models as allocations  # noqa: F401
from .api import models as api  # noqa: F401
from .audit import models as audit  # noqa: F401
from .auth import models as auth  # noqa: F401
from .contributions import models as contributions  # noqa: F401
from .donors import models as donors  # noqa: F401
from .fx import models as fx  # noqa: F401
from .ledger import models as ledger  # noqa: F401
from .projects import models as projects  # noqa: F401
from .reference import models as reference  # noqa: F401
