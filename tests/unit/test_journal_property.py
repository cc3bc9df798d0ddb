"""The change journal holds every change exactly once, in the order it was made, whatever the sequence."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp_desktop.errors import ValidationError
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import insert_record, tombstone_record, update_record
from ccp_desktop.sync.identity import initialise
from tests.unit import factories as f

operation = st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(["partners", "activities"]), st.text(min_size=1, max_size=30)),
    st.tuples(st.just("update"), st.integers(0, 50), st.text(max_size=30)),
    st.tuples(st.just("tombstone"), st.integers(0, 50), st.none()),
    st.tuples(st.just("invalid"), st.integers(0, 50), st.none()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, min_size=1, max_size=25))
def test_journal_records_each_change_once_in_order(ops):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "j.sqlite3"
        initialise(path, post_code="WS-APIA", officer="Lupe")
        db = open_database(path)
        live: list[tuple[str, str]] = []
        expected: list[tuple[str, str, int, str]] = []
        for op, arg, text in ops:
            if op == "insert":
                values = f.partner(name=text.strip() or "x") if arg == "partners" else f.activity(title=text.strip() or "x")
                rec = insert_record(db, arg, values)
                live.append((arg, rec["id"]))
                expected.append((arg, rec["id"], 1, "insert"))
            elif not live:
                continue
            elif op == "update":
                table, rid = live[arg % len(live)]
                key = "name" if table == "partners" else "title"
                before = db.execute(f"SELECT rev, {key} FROM {table} WHERE id = ?", [rid]).fetchone()
                new_value = (text or "").strip() or "y"
                rec = update_record(db, table, rid, {key: new_value})
                if before[1] != new_value:
                    expected.append((table, rid, before[0] + 1, "update"))
                else:
                    assert rec["rev"] == before[0]
            elif op == "tombstone":
                table, rid = live.pop(arg % len(live))
                rec = tombstone_record(db, table, rid)
                expected.append((table, rid, rec["rev"], "delete"))
            else:  # an invalid write must leave no trace
                table, rid = live[arg % len(live)]
                key = "category" if table == "partners" else "status"
                try:
                    update_record(db, table, rid, {key: "no-such-code"})
                except ValidationError:
                    pass
                else:
                    raise AssertionError("an invalid code was accepted")
        rows = db.execute("SELECT seq, table_name, record_id, rev, op FROM change_journal ORDER BY seq").fetchall()
        seqs = [row[0] for row in rows]
        assert seqs == sorted(set(seqs))
        assert [tuple(row[1:]) for row in rows] == expected
        db.close()
