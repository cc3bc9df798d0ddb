"""HQ inserts a package's new records with the insert triggers' work done in bulk (store/bulk_insert.py).
What it leaves must be exactly what the per-row triggers leave: journal entries in the same order, the
search indexes and the serial-number index; the triggers themselves are back afterwards, and an insert
that fails leaves nothing behind, triggers included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ccp_desktop.demo import load_demo_data
from ccp_desktop.domain.records import RECORD_KINDS
from ccp_desktop.store import bulk_insert, sync_state
from ccp_desktop.store.connection import open_database
from ccp_desktop.store.records import iter_records
from ccp_desktop.store.search import search_clause
from ccp_desktop.store.transactions import write_transaction
from ccp_desktop.sync.identity import initialise


@pytest.fixture(scope="module")
def post_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    path = tmp_path_factory.mktemp("post") / "post.sqlite3"
    initialise(path, post_code="FJ-SUVA", officer="Officer")
    db = open_database(path)
    load_demo_data(db, activities=300, equipment=220, seed=3)
    return {name: [tuple(r) for r in db.execute(f"SELECT {', '.join(k.keys)} FROM {name} ORDER BY rowid")]
            for name, k in RECORD_KINDS.items()}


def hq(tmp_path: Path, name: str):
    initialise(tmp_path / name / "hq.sqlite3", post_code="AU-HQ", officer="HQ", role="hq")
    return open_database(tmp_path / name / "hq.sqlite3")


def triggers(db) -> list[tuple[str, str]]:
    return sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())


def word(rows: list[tuple], kind_name: str, key: str) -> str:
    """A word (or a serial's tail) the first row holds, to search for."""
    value = rows[0][RECORD_KINDS[kind_name].keys.index(key)]
    return value.split('"')[1][-5:] if key == "serials" else max(value.split(), key=len)


def state(db, rows: dict[str, list[tuple]]) -> dict[str, list]:
    out = {"journal": db.execute("SELECT table_name, record_id, rev, op, changed_at FROM change_journal ORDER BY seq").fetchall(),
           "serials": sorted(db.execute("SELECT serial, post, item_id FROM serial_index").fetchall())}
    items = [r for r in rows["equipment_items"] if r[RECORD_KINDS["equipment_items"].keys.index("serials")]]
    for table, text in (("activities", word(rows["activities"], "activities", "title")),
                        ("partners", word(rows["partners"], "partners", "name")),
                        ("equipment_items", word(rows["equipment_items"], "equipment_items", "description")),
                        ("equipment_items", word(items, "equipment_items", "serials"))):
        where, params = search_clause(table, text)
        out[f"search {table} {text}"] = sorted(r["id"] for r in iter_records(db, table, where=where, params=params))
    return out


def test_bulk_inserts_leave_what_the_row_triggers_leave(tmp_path, post_rows):
    by_rows, in_bulk = hq(tmp_path, "rows"), hq(tmp_path, "bulk")
    before = triggers(in_bulk)
    with write_transaction(by_rows):
        for name, kind in RECORD_KINDS.items():
            sync_state.write_remote_rows(by_rows, kind, post_rows[name], replace=False)
    with write_transaction(in_bulk):
        for name, kind in RECORD_KINDS.items():
            assert len(post_rows[name]) >= bulk_insert.BULK_FROM or name in ("partners", "attachments")  # a few: per row
            bulk_insert.insert_rows(in_bulk, kind, post_rows[name])
    expected = state(by_rows, post_rows)
    assert len(expected["journal"]) == sum(map(len, post_rows.values())) and expected["serials"]
    assert all(expected[k] for k in expected if k.startswith("search"))
    assert state(in_bulk, post_rows) == expected
    assert triggers(in_bulk) == before


def test_a_failed_bulk_insert_leaves_no_rows_and_every_trigger(tmp_path, post_rows):
    db = hq(tmp_path, "fail")
    before = triggers(db)
    rows = post_rows["activities"]
    kind = RECORD_KINDS["activities"]
    with pytest.raises(sqlite3.IntegrityError), write_transaction(db):
        bulk_insert.insert_rows(db, kind, rows + rows[:1])  # the same id twice: the insert fails midway
    assert triggers(db) == before
    assert db.execute("SELECT count(*) FROM activities").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM change_journal").fetchone()[0] == 0
    with write_transaction(db):  # and the triggers still work row by row
        sync_state.write_remote_rows(db, kind, rows[:1], replace=False)
    assert db.execute("SELECT count(*) FROM change_journal WHERE table_name = 'activities'").fetchone()[0] == 1


def test_a_trigger_of_an_unknown_shape_is_left_to_fire_per_row():
    two_statements = ("CREATE TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO a (b) VALUES (new.b); "
                      "INSERT INTO c (d) VALUES (new.d); END")
    assert bulk_insert.bulk_statement(two_statements) is None
    assert bulk_insert.bulk_statement("CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE a SET b = 1; END") is None
    assert bulk_insert.bulk_statement("CREATE TRIGGER t BEFORE DELETE ON x BEGIN SELECT RAISE(ABORT, 'no'); END") is None


@pytest.mark.parametrize("batch", [5_000, 40])  # one batch a table; several (the triggers' work once, after the last)
def test_a_bulk_load_at_a_post_leaves_what_records_one_by_one_leave(tmp_path, post_rows, monkeypatch, batch):
    """Demo data and other bulk loads (`insert_records_bulk`) write their journal and indexes in bulk too:
    the same journal, serial index, search results and dashboard figures as the per-row triggers."""
    from ccp_desktop.reports.figures import ReportScope, scope_totals
    from ccp_desktop.store import records as store_records
    from ccp_desktop.store.records import decode_row, insert_records_bulk

    monkeypatch.setattr(store_records, "BULK_BATCH", batch)

    def load(name: str) -> object:
        initialise(tmp_path / name / "post.sqlite3", post_code="FJ-SUVA", officer="Officer")
        db = open_database(tmp_path / name / "post.sqlite3")
        for kind_name, kind in RECORD_KINDS.items():
            records = [decode_row(kind, dict(zip(kind.keys, row, strict=True))) for row in post_rows[kind_name]]
            insert_records_bulk(db, kind_name, [{"id": r["id"]} | {f.key: r[f.key] for f in kind.user_fields}
                                                for r in records])
        return db

    in_bulk = load("bulk")
    monkeypatch.setattr(bulk_insert, "BULK_FROM", 10**9)  # every trigger fires per row
    by_rows = load("rows")
    expected = state(by_rows, post_rows)
    assert len(expected["journal"]) == sum(map(len, post_rows.values())) and expected["serials"]
    assert all(expected[k] for k in expected if k.startswith("search"))
    bulk = state(in_bulk, post_rows)
    strip = lambda journal: [entry[:4] for entry in journal]  # noqa: E731 (the two loads ran at other times)
    assert strip(bulk.pop("journal")) == strip(expected.pop("journal"))
    assert bulk == expected
    assert scope_totals(in_bulk, ReportScope()) == scope_totals(by_rows, ReportScope())
    assert triggers(in_bulk) == triggers(by_rows)


@pytest.mark.parametrize("batch", [5_000, 20])  # the repeat in the same batch, or three batches later
def test_a_bulk_load_refused_by_the_serial_index_names_why_and_writes_nothing(tmp_path, monkeypatch, batch):
    from ccp_desktop.errors import ValidationError
    from ccp_desktop.store import records as store_records
    from ccp_desktop.store.records import insert_records_bulk
    from tests.unit import factories as f

    monkeypatch.setattr(store_records, "BULK_BATCH", batch)
    initialise(tmp_path / "post.sqlite3", post_code="FJ-SUVA", officer="Officer")
    db = open_database(tmp_path / "post.sqlite3")
    before = triggers(db)
    partner = f.partner(id="partner-1")
    delivery = f.delivery(partner["id"], id="delivery-1")
    insert_records_bulk(db, "partners", [partner])
    insert_records_bulk(db, "equipment_deliveries", [delivery])
    items = [f.item(delivery["id"], serials=[f"SN-{n}"], quantity=1) for n in range(60)]
    items.append(f.item(delivery["id"], serials=["SN-7"], quantity=1))  # a serial twice: refused
    with pytest.raises(ValidationError, match="a serial number is already recorded on another item; nothing was written"):
        insert_records_bulk(db, "equipment_items", items)
    assert db.execute("SELECT count(*) FROM equipment_items").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM serial_index").fetchone()[0] == 0
    assert triggers(db) == before


def indexes(db) -> list[tuple[str, str]]:
    return sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall())


def traced(db, run) -> list[str]:
    """The statements `run()` makes SQLite run."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    return statements


def dropped_indexes(db, run) -> list[str]:
    return [s.split('"')[1] for s in traced(db, run) if s.startswith("DROP INDEX")]


def test_a_load_that_doubles_a_table_builds_its_indexes_after_the_rows(tmp_path, post_rows, monkeypatch):
    """The same indexes, answering the same queries; a unique index keeps checking the rows as they come."""
    monkeypatch.setattr(bulk_insert, "REBUILD_FROM", 100)
    by_rows, in_bulk = hq(tmp_path, "rows"), hq(tmp_path, "bulk")
    with write_transaction(by_rows):
        for name, kind in RECORD_KINDS.items():
            sync_state.write_remote_rows(by_rows, kind, post_rows[name], replace=False)
    in_bulk.execute("CREATE UNIQUE INDEX activities_title_unique ON activities (id, title)")
    before = indexes(in_bulk)

    def load() -> None:
        with write_transaction(in_bulk):
            for name, kind in RECORD_KINDS.items():
                bulk_insert.insert_rows(in_bulk, kind, post_rows[name])

    dropped = dropped_indexes(in_bulk, load)
    assert "activities_country" in dropped and "equipment_items_delivery" in dropped
    assert "change_journal_record" in dropped and "serial_index_item" in dropped  # what the triggers fill, too
    assert "activities_title_unique" not in dropped  # unique: kept, it checks each row
    assert indexes(in_bulk) == before
    assert in_bulk.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for sql in ("SELECT id FROM activities INDEXED BY activities_country WHERE country = ? ORDER BY id",
                "SELECT id FROM activities INDEXED BY activities_post WHERE origin_post = ? ORDER BY id"):
        value = "FJ" if "country" in sql else "FJ-SUVA"
        found = in_bulk.execute(sql, [value]).fetchall()
        assert found and found == by_rows.execute(sql.replace("INDEXED BY activities_country", "")
                                                  .replace("INDEXED BY activities_post", ""), [value]).fetchall()
    assert state(in_bulk, post_rows) == state(by_rows, post_rows)


def test_a_load_smaller_than_the_table_keeps_its_indexes(tmp_path, post_rows, monkeypatch):
    monkeypatch.setattr(bulk_insert, "REBUILD_FROM", 100)
    db = hq(tmp_path, "big")
    rows, kind = post_rows["activities"], RECORD_KINDS["activities"]
    with write_transaction(db):
        bulk_insert.insert_rows(db, kind, rows[:200])
    dropped = dropped_indexes(db, lambda: bulk_insert.insert_rows(db, kind, rows[200:]))  # 100 rows into 200
    assert dropped == []
    assert db.execute("SELECT count(*) FROM activities").fetchone()[0] == len(rows)


def test_a_load_of_many_batches_makes_each_index_and_trigger_once(tmp_path, monkeypatch):
    """A bulk load judged and encoded 5,000 records at a time still builds a table's indexes once, after
    its last row, and runs each trigger's statement once: not once a batch, each batch after the first
    inserting into indexes already as big as itself, one random-key insert per row and index."""
    from ccp_desktop.store import records as store_records
    from ccp_desktop.store.records import insert_records_bulk
    from tests.unit import factories as f

    monkeypatch.setattr(store_records, "BULK_BATCH", 100)
    monkeypatch.setattr(bulk_insert, "REBUILD_FROM", 100)
    initialise(tmp_path / "post.sqlite3", post_code="FJ-SUVA", officer="Officer")
    db = open_database(tmp_path / "post.sqlite3")
    before = indexes(db), triggers(db)
    rows = [f.activity(title=f"Training {n}") for n in range(450)]  # five batches
    made = traced(db, lambda: insert_records_bulk(db, "activities", rows))
    dropped = [s.split('"')[1] for s in made if s.startswith("DROP INDEX")]
    assert "activities_country" in dropped and "change_journal_record" in dropped
    assert len(dropped) == len(set(dropped))
    assert sum(s.startswith("DROP TRIGGER") for s in made) == len({s for s in made if s.startswith("DROP TRIGGER")})
    assert sum(s.startswith("CREATE INDEX") for s in made) == len(dropped)
    assert (indexes(db), triggers(db)) == before
    assert db.execute("SELECT count(*) FROM change_journal WHERE table_name = 'activities'").fetchone()[0] == 450
    assert db.execute("SELECT count(*) FROM activities INDEXED BY activities_country WHERE country = 'FJ'").fetchone()[0] == \
        sum(r["country"] == "FJ" for r in rows)


def test_a_failed_load_puts_back_the_indexes_it_dropped(tmp_path, post_rows, monkeypatch):
    monkeypatch.setattr(bulk_insert, "REBUILD_FROM", 100)
    db = hq(tmp_path, "fail")
    before = indexes(db)
    rows = post_rows["activities"]
    with pytest.raises(sqlite3.IntegrityError), write_transaction(db):
        bulk_insert.insert_rows(db, RECORD_KINDS["activities"], rows + rows[:1])
    assert indexes(db) == before


def _steps_of_kept_counts_after(held: int) -> int:
    """SQLite steps (in hundreds) of the bulk form of a kept-count trigger (m019's shape) over 100 new rows
    of a table that held `held` rows before them."""
    conn = sqlite3.connect(":memory:")
    conn.executescript("""
        CREATE TABLE links (id INTEGER PRIMARY KEY, partner_id TEXT, deleted INTEGER);
        CREATE INDEX links_partner ON links (partner_id);
        CREATE TABLE counts (partner_id TEXT PRIMARY KEY, links INTEGER);""")
    trigger = ("CREATE TRIGGER links_counts AFTER INSERT ON links WHEN NEW.deleted = 0 BEGIN "
               "INSERT INTO counts (partner_id, links) VALUES (NEW.partner_id, 1) "
               "ON CONFLICT (partner_id) DO UPDATE SET links = links + excluded.links; END")
    conn.executemany("INSERT INTO links (partner_id, deleted) VALUES (?, 0)", ((f"p{n % 997}",) for n in range(held + 100)))
    statement = bulk_insert.bulk_statement(trigger)
    assert statement is not None and "GROUP BY" in statement
    counted = [0]
    conn.set_progress_handler(lambda: counted.__setitem__(0, counted[0] + 1), 100)
    conn.execute(statement, [held])
    conn.set_progress_handler(None, 100)
    assert conn.execute("SELECT sum(links) FROM counts").fetchone()[0] == 100
    return counted[0]


def test_the_bulk_work_reads_the_new_rows_only_however_big_the_table():
    """The new rows are read by their rowid range: a GROUP BY answered by walking the table's whole index
    in order cost 170 ms at HQ (3,600,000 links) to add up 1,600 new ones."""
    small, big = _steps_of_kept_counts_after(200), _steps_of_kept_counts_after(50_000)
    assert big <= 1.5 * small, (big, small)
