"""Imports every module that defines tables, so metadata and Alembic see them all."""
from storage import models  # noqa: F401
from storage import zalo  # noqa: F401
from storage import reminders  # noqa: F401
from storage import web  # noqa: F401
from storage import review  # noqa: F401
from storage import serving  # noqa: F401
from storage import revisions  # noqa: F401
