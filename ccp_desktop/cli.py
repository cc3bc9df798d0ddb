"""The headless command line over the same core as the desktop app. No Qt is imported on this path
(only `gui` loads it). Exit 0 on success, 1 on rejected input or a failed check, 2 on a usage error."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from ccp_desktop import APP_NAME, __version__
from ccp_desktop.commands.common import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    Handler,
    db_path_from_args,
    open_existing,
    print_json,
)
from ccp_desktop.commands.common import Parser as _Parser
from ccp_desktop.commands.common import UsageError as _UsageError
from ccp_desktop.commands.common import positive as _positive
from ccp_desktop.errors import CcpError, SetupError, describe_error


def cmd_init(args: argparse.Namespace) -> int:
    from ccp_desktop.domain.reference import load_reference
    from ccp_desktop.sync.identity import initialise

    path = db_path_from_args(args)
    if args.hq_key and args.role == "hq":
        raise _UsageError("--hq-key is for a post; HQ registers posts' keys with `trust`")
    if args.hq_key:
        from ccp_desktop.sync.signing import parse_public_key

        parse_public_key(args.hq_key)  # a mistyped key is refused before anything is made
    sealing_key = _hq_encryption_key_for_init(args)  # a bad key file too
    post_code = load_reference().post_code_for(args.post)  # "Port Vila" or "vu-portvila" as well as VU-PORTVILA
    install = initialise(path, post_code=post_code, officer=args.officer, role=args.role)
    print(f"Set up {path} for post {install.post_code} ({install.role}), officer {install.officer}.")
    print(f"Signing key fingerprint: {install.key_fingerprint}")
    print(f"Public key (for HQ: trust --post {install.post_code} --key={install.public_key})")
    if args.hq_key:
        from ccp_desktop.sync.identity import HQ_POST_CODE
        from ccp_desktop.sync.trust import trust_key

        change = trust_key(open_existing(args), HQ_POST_CODE, args.hq_key, reason="given at setup")
        print(f"Trusting HQ's key {change.fingerprint} for receipts.")
    if sealing_key is not None:
        from ccp_desktop.sync.hq_keys import learn_hq_key

        known, _ = learn_hq_key(open_existing(args), sealing_key[0], sealing_key[1])
        print(f"Packages will be sealed for HQ's encryption key ({sealing_key[1]}), fingerprint {known.fingerprint}: "
              "compare it with the one HQ gave you.")
    return EXIT_OK


def _hq_encryption_key_for_init(args: argparse.Namespace) -> tuple[str, str] | None:
    """At a post: HQ's public encryption key from --hq-encryption-key FILE, else the one shipped with the
    installer for the program's HQ (if any); with how it was learnt."""
    from ccp_desktop.sync import hq_keys
    from ccp_desktop.sync.seal import read_recipient_file

    if args.role == "hq":
        if args.hq_encryption_key:
            raise _UsageError("--hq-encryption-key is for a post; HQ makes its own key at setup (`hq-key`)")
        return None
    if args.hq_encryption_key:
        path = Path(args.hq_encryption_key).expanduser()
        return read_recipient_file(path), f"from {path.name}"
    shipped = hq_keys.shipped_key()
    return (shipped, "shipped with the installer") if shipped else None


def cmd_demo_data(args: argparse.Namespace) -> int:
    from ccp_desktop.demo import load_demo_data

    db = open_existing(args)
    started = time.perf_counter()
    counts = load_demo_data(db, activities=args.activities, equipment=args.equipment, seed=args.seed)
    took = time.perf_counter() - started
    print(", ".join(f"{n} {t.replace('_', ' ')}" for t, n in counts.items()) + f" added in {took:.1f} s.")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from ccp_desktop.store.health import require_whole
    from ccp_desktop.store.maintenance import stats

    db = open_existing(args)
    require_whole(db, "count")  # counts read from a damaged file would look normal
    result = stats(db)
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key.replace('_', ' '):<22}{value:>10}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ccp_desktop.store.maintenance import check_database

    report = check_database(open_existing(args))
    if report.ok:
        print(f"ok: integrity ok, foreign keys ok, schema version {report.schema_version}")
        return EXIT_OK
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return EXIT_REJECTED


def cmd_backup(args: argparse.Namespace) -> int:
    from ccp_desktop.store.maintenance import backup_database

    out = Path(args.out).expanduser() if args.out else None
    if out is not None and out.is_dir():  # a folder (a USB stick): a dated file inside it
        out = out / f"{db_path_from_args(args).stem}-backup-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.sqlite3"  # UTC, like every stamp
    db = open_existing(args)
    try:
        target = backup_database(db, out)
    except FileExistsError as exc:
        raise CcpError(str(exc)) from None
    if out is None:  # an automatic copy in backups/: the oldest beyond the number to keep go
        from ccp_desktop.store.backups import backups_to_keep, rotate_backups

        rotate_backups(db_path_from_args(args), backups_to_keep(db))
    print(target)
    return EXIT_OK


def cmd_backups(args: argparse.Namespace) -> int:
    from ccp_desktop.store.backups import backups_to_keep, list_backups, set_backups_to_keep
    from ccp_desktop.store.installation import require_installation

    path = db_path_from_args(args)
    if args.keep is not None:
        db = open_existing(args)
        set_backups_to_keep(db, args.keep, require_installation(db).officer)
        print(f"Keeping the newest {args.keep} backups (never deleting the last good one).")
        return EXIT_OK
    found = list_backups(path)
    if args.json:
        print_json([b.to_json() for b in found])
        return EXIT_OK
    if not found:
        print(f"No backups in {path.parent / 'backups'}.")
    for b in found:
        if b.ok:
            counts = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in b.counts.items())
            print(f"{b.made_at}  {b.path.name}: {counts}; changes up to {b.journal_seq}")
        else:
            print(f"{b.made_at}  {b.path.name}: NOT USABLE, {b.problem}")
    if path.exists():
        print(f"(keeping the newest {backups_to_keep(open_existing(args))})")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from ccp_desktop.store.files import make_private_folder
    from ccp_desktop.sync.identity import restore_from_backup

    path = db_path_from_args(args)
    make_private_folder(path.parent)  # a new or re-imaged laptop has no data folder yet
    result = restore_from_backup(path, Path(args.file).expanduser())
    counts = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in result.counts.items())
    print(f"Restored {result.restored_from.name} into {path}: {counts}.")
    if result.kept_aside:
        print(f"The database as it was is kept at {result.kept_aside}.")
    print("Changes made from now on are sent as a new history (HQ is told in the next package); export "
          "`--since-receipt` to resend anything HQ has not confirmed.")
    if result.new_key:
        from ccp_desktop.store.installation import require_installation

        install = require_installation(open_existing(args))
        print("This laptop had no signing key, so a new one was made: send HQ its public key before the next "
              "package, and read HQ the fingerprint when it calls.")
        print(f"Signing key fingerprint: {install.key_fingerprint}")
        print(f"Public key (for HQ: trust --post {install.post_code} --key={install.public_key})")
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from ccp_desktop.store.health import newest_good_backup, recover_database, recovered_name

    path = db_path_from_args(args)
    if not path.exists():
        raise SetupError(f"No database at {path}")
    target = Path(args.out).expanduser() if args.out else recovered_name(path)
    result = recover_database(path, target)
    print(f"Recovered what could be read from {path.name} into {target} (the damaged file is unchanged):")
    backup = newest_good_backup(path)
    for table in ("partners", "activities", "activity_partners", "equipment_deliveries", "equipment_items"):
        line = f"  {table.replace('_', ' ')}: {result.rows_read.get(table, 0)} rows read"
        if result.rows_lost.get(table):
            line += f", {result.rows_lost[table]} could not be read"
        if backup is not None:
            line += f" (newest good backup, {backup.made_at}: {backup.counts.get(table, 0)} live)"
        print(line)
    for problem in result.problems:
        print(f"  note: {problem}")
    print(f"Compare, then switch to it with `ccp-desktop --db {path} restore {target}` (or restore the backup).")
    return EXIT_OK


def cmd_problem_report(args: argparse.Namespace) -> int:
    from ccp_desktop.reports.problem_report import write_problem_report

    target = write_problem_report(Path(args.out), db_path_from_args(args))
    print(f"Problem report (the log and the database check; no records, no key) saved to {target}")
    return EXIT_OK


def _parse_assignments(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise _UsageError(f"expected FIELD=VALUE, got {pair!r}")
        values[key.strip()] = value
    return values


def cmd_add(args: argparse.Namespace) -> int:
    from ccp_desktop.store.saving import save_record

    changes = save_record(open_existing(args), args.kind, _parse_assignments(args.values))  # the form's operation
    print(changes.record_id)
    return EXIT_OK


def cmd_update(args: argparse.Namespace) -> int:
    from ccp_desktop.store.records import get_record
    from ccp_desktop.store.saving import save_record

    db = open_existing(args)
    save_record(db, args.kind, _parse_assignments(args.values), record_id=args.id)
    record = get_record(db, args.kind, args.id)
    print(f"{record['id']} rev {record['rev']}")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    from ccp_desktop.store.records import get_record
    from ccp_desktop.store.saving import delete_record

    db = open_existing(args)
    delete_record(db, args.kind, args.id)
    record = get_record(db, args.kind, args.id)
    print(f"{record['id']} deleted (rev {record['rev']})")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from ccp_desktop.store.records import iter_records
    from ccp_desktop.store.search import search_clause

    clause = search_clause(args.kind, args.search) if args.search else None
    where, params = clause if clause else ("", [])
    import json

    rows = iter_records(open_existing(args), args.kind, where=where, params=params)
    for n, row in enumerate(rows):
        if args.limit and n >= args.limit:
            break
        print(json.dumps(row, ensure_ascii=False))
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from ccp_desktop.ui.app import run_gui

    return run_gui(db_path_from_args(args))


def build_parser() -> argparse.ArgumentParser:
    from ccp_desktop.domain.records import RECORD_KINDS

    parser = _Parser(prog="ccp-desktop", description=f"{APP_NAME}: records and sync packages for the Cyber Cooperation Program.")
    parser.add_argument("--db", metavar="PATH", help="database file (default: the one in your per-user data folder)")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--self-test", action="store_true", help="check this installation end to end, headless; prints one line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("init", cmd_init, "set up a new database for a post or HQ (refuses one already set up)")
    p.add_argument("--post", required=True, help="post code, city or country, e.g. FJ-SUVA or 'Port Vila'")
    p.add_argument("--officer", required=True, help="your name as it should appear on records")
    p.add_argument("--role", choices=["field", "hq"], default="field")
    p.add_argument("--hq-key", metavar="KEY", help="at a post: HQ's public key, so HQ's receipts can be trusted")
    p.add_argument("--hq-encryption-key", metavar="FILE", help="at a post: HQ's encryption key file (`hq-key --export`), "
                                                               "to seal packages; default: the one shipped with the installer")

    p = command("demo-data", cmd_demo_data, "add realistic synthetic records (for training and testing)")
    p.add_argument("--activities", type=_positive, default=200)
    p.add_argument("--equipment", type=_positive, default=50, help="number of equipment deliveries (1-4 item lines each)")
    p.add_argument("--seed", type=_positive, default=1)

    p = command("stats", cmd_stats, "count live records and show the change-journal sequence")
    p.add_argument("--json", action="store_true")

    command("check", cmd_check, "check the database's integrity, foreign keys and schema version")

    p = command("backups", cmd_backups, "list the backups beside the database (dates, record counts), or set how many to keep")
    p.add_argument("--keep", type=_positive, metavar="N", help="keep the newest N automatic backups (default 20)")
    p.add_argument("--json", action="store_true")

    p = command("recover", cmd_recover, "copy every row that can still be read from a damaged database into a new file")
    p.add_argument("--out", metavar="FILE", help="the new database (default: beside the damaged one)")

    p = command("restore", cmd_restore, "restore a backup (the current database is kept aside first)")
    p.add_argument("file", metavar="BACKUP")

    p = command("backup", cmd_backup, "write an online copy of the database")
    p.add_argument("--out", metavar="FILE", help="file (or folder) to write; default: backups/ beside the database")

    p = command("problem-report", cmd_problem_report,
                "save a zip of the log and the database check for IT support (never the database or the key)")
    p.add_argument("--out", metavar="FILE", default=".", help="zip file (or folder) to write; default: here")

    kinds = list(RECORD_KINDS)
    p = command("add", cmd_add, "add a record: add KIND FIELD=VALUE ...")
    p.add_argument("kind", choices=kinds)
    p.add_argument("values", nargs="*", metavar="FIELD=VALUE")
    p = command("update", cmd_update, "change fields of a record: update KIND ID FIELD=VALUE ...")
    p.add_argument("kind", choices=kinds)
    p.add_argument("id")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE")
    p = command("delete", cmd_delete, "delete (tombstone) a record and its dependants")
    p.add_argument("kind", choices=kinds)
    p.add_argument("id")
    p = command("list", cmd_list, "print live records as JSON lines")
    p.add_argument("kind", choices=kinds)
    p.add_argument("--search", help="full-text search")
    p.add_argument("--limit", type=_positive, default=0)

    command("gui", cmd_gui, "open the desktop application (the default)")
    _register_extensions(command)
    return parser


def _register_extensions(command: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """The command groups of ccp_desktop/commands/."""
    from ccp_desktop.commands import attachments, desk, reports, seal, sync, undo

    sync.register(command)
    seal.register(command)
    reports.register(command)
    desk.register(command)
    undo.register(command)
    attachments.register(command)


def plain_start(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain start of the desktop app (no arguments, or only `--db PATH` and `gui`),
    read without building the parser of every command (issue 14: start-up); None for anything else,
    which the full parser reads (and reports on)."""
    rest, db = list(argv), None
    if len(rest) >= 2 and rest[0] == "--db" and not rest[1].startswith("-"):
        db, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--db="):
        db, rest = rest[0].removeprefix("--db="), rest[1:]
    if rest not in ([], ["gui"]):
        return None
    return argparse.Namespace(db=db, self_test=False, command="gui", handler=cmd_gui)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = plain_start(argv) or build_parser().parse_args(argv)
        if args.self_test:
            from ccp_desktop.selftest import run_self_test

            return run_self_test()
        handler: Handler = getattr(args, "handler", cmd_gui)
        if not getattr(args, "command", None):
            args.command = "gui"
        from ccp_desktop import logs

        logs.setup_logging()
        with logs.operation(args.command) as op:  # the command's name only: its arguments may be record values
            code = handler(args)
            op.note(exit=code)
            if code != EXIT_OK:
                op.outcome = "rejected"
        return code
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("interrupted; nothing more was changed", file=sys.stderr)
        return EXIT_REJECTED
    except Exception as exc:
        print(f"error: {describe_error(exc)}", file=sys.stderr)
        if os.environ.get("CCP_DEBUG"):
            traceback.print_exc()
        return EXIT_REJECTED


def run() -> None:
    sys.exit(main())
