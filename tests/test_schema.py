"""The migrations build the schema the models declare: a change to one without the other
(a column, an index) would make `fieldreport db upgrade` leave production behind the code."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table on the metadata)


def test_the_migrated_database_matches_the_models(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_each_webhook_insert_maintains_no_redundant_index(engine):
    """inbound_update takes one INSERT per update: handled_at is indexed once, in the index
    of open updates (0012)."""
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("inbound_update")}
    assert indexes["ix_inbound_update_open"] == ["handled_at", "claimed_at"]
    assert [name for name, cols in indexes.items() if cols == ["handled_at"]] == []
