"""The statements every update runs go to the driver's cursor (storage/driver.py), in a step's
transaction (storage.db.step_scope): they must commit, fail, roll back and recover exactly as
SQLAlchemy's own execution in a Session would."""
from __future__ import annotations

import pytest
from sqlalchemy import exc, text
from sqlmodel import select

from storage import repo, serving
from storage.db import AFTER_COMMIT, make_engine, session_scope, step_scope
from storage.models import Admin
from tests.conftest import PG_URL
from tests.support import FakeClock

NOW = FakeClock()()


def test_a_dialog_saved_and_read_back_keeps_its_answers(engine):
    data = {"task": 3, "content": "Dọn vệ sinh khu phố", "people": 12, "note": None}
    with session_scope(engine) as s:
        repo.save_state(s, "telegram", "42", "7", "report", "content", data)
    with session_scope(engine) as s:
        state = repo.get_state(s, "telegram", "42", "7", lock=True)
        assert (state.flow, state.step, state.data) == ("report", "content", data)
        assert repo.clear_state(s, "telegram", "42", "7") is True
    with session_scope(engine) as s:
        assert repo.get_state(s, "telegram", "42", "7") is None
        assert repo.clear_state(s, "telegram", "42", "7") is False


def test_a_failed_statement_raises_sqlalchemys_error_and_the_step_changes_nothing(engine):
    with session_scope(engine) as s:
        assert serving.store_handled(s, "telegram", "100", {"update_id": 100}, "w", NOW)
    with pytest.raises(exc.IntegrityError):
        with session_scope(engine) as s:
            repo.save_state(s, "telegram", "42", "7", "report", "content", {"task": 1})
            # NOT NULL violated: the whole step (the state saved above included) rolls back
            repo._SAVE_STATE[engine.dialect.name].run(s.connection(), {
                **repo._key("telegram", "43", "7"), "flow": None, "step": "x", "data": {},
                "now": NOW})
    with session_scope(engine) as s:
        assert repo.get_state(s, "telegram", "42", "7") is None
        # a repeat of the stored update is still recognised
        assert not serving.store_handled(s, "telegram", "100", {"update_id": 100}, "w", NOW)


@pytest.mark.skipif(not PG_URL, reason="a server-side disconnect needs PostgreSQL")
def test_a_connection_the_database_dropped_fails_one_step_and_the_next_reconnects(db_url, engine):
    """`serve` runs without pre-ping: a PostgreSQL restart costs one failed step (the platform
    retries it), never a dead connection that keeps coming back from the pool."""
    served = make_engine(db_url, pool_size=1, pre_ping=False)
    try:
        with session_scope(served) as s:
            repo.save_state(s, "telegram", "42", "7", "report", "content", {"task": 1})
            backend = s.connection().execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with pytest.raises(exc.OperationalError):
            with session_scope(served) as s:
                repo.get_state(s, "telegram", "42", "7", lock=True)
        with session_scope(served) as s:
            assert repo.get_state(s, "telegram", "42", "7", lock=True).data == {"task": 1}
    finally:
        served.dispose()


def test_a_statement_on_a_plain_connection_is_kept_by_its_commit(engine):
    """As with Connection.execute, the first statement begins the transaction commit() ends."""
    with engine.connect() as conn:
        repo._SAVE_STATE[engine.dialect.name].run(conn, {
            **repo._key("telegram", "42", "7"), "flow": "report", "step": "task", "data": {},
            "now": NOW})
        conn.commit()
    with session_scope(engine) as s:
        assert repo.get_state(s, "telegram", "42", "7").step == "task"


def test_a_steps_orm_and_driver_writes_commit_together_or_not_at_all(engine):
    done = []
    with step_scope(engine) as s:
        repo.save_state(s, "telegram", "42", "7", "report", "task", {})
        s.add(Admin(platform="telegram", user_id="7"))  # flushed when the step ends
        s.info.setdefault(AFTER_COMMIT, []).append(lambda: done.append("sent"))
    assert done == ["sent"]
    with pytest.raises(RuntimeError):
        with step_scope(engine) as s:
            repo.save_state(s, "telegram", "42", "7", "report", "content", {"task": 2})
            s.add(Admin(platform="telegram", user_id="8"))
            s.flush()
            s.info.setdefault(AFTER_COMMIT, []).append(lambda: done.append("again"))
            raise RuntimeError("the step failed")
    assert done == ["sent"]  # replies of a step that did not commit are never sent
    with session_scope(engine) as s:
        assert repo.get_state(s, "telegram", "42", "7").step == "task"
        assert [a.user_id for a in s.exec(select(Admin))] == ["7"]
