"""The HQ desk on the command line: `posts` (the Posts page's view), `refusals` (refused packages and their
problems) and `review` (a serial at two posts, likely duplicate activities). `cli.py` calls `register`;
handlers return exit codes (0 done, 1 rejected)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ccp_desktop.commands.common import (
    EXIT_OK,
    EXIT_REJECTED,
    Command,
    print_json,
    print_listing_start,
)
from ccp_desktop.commands.common import open_existing as _open
from ccp_desktop.domain.wording import count_of, local_time


def cmd_posts(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.posts import posts_desk

    posts = posts_desk(_open(args))
    if args.json:
        print_json(posts)
        return EXIT_OK
    heard = [p for p in posts if p["packages"] or p["fingerprint"] or p["refusals"]]
    if not heard:
        print("No package has been imported yet.")
    for p in heard:
        missing = ", ".join(f"{a}–{b}" for a, b in p["missing"])
        key = f"key {p['fingerprint']} ({p['pinned_how']} {local_time(p['pinned_at'])})" if p["fingerprint"] else "no key yet"
        last = (f"last made {local_time(p['last_package_created_at'])}, imported {local_time(p['last_import_at'])}"
                if p["packages"] else "no package imported")
        print(f"{p['post_code']} ({p['name']}): {count_of(p['packages'], 'package')}, {last}; everything up to "
              f"{p['confirmed_seq']} (highest {p['highest_seq']}); {('MISSING changes ' + missing) if missing else 'no gaps'}; "
              f"{count_of(p['open_conflicts'], 'open conflict')}; {key}")
        if p["overdue"]:
            print(f"    OVERDUE: no package for {p['days_since_last_package']} days (threshold {p['overdue_days']})")
        if p["ask"]:
            print(f"    {p['ask']}")
        for refusal in p["refusals"]:
            print(f"    refused {_refusal_line(refusal)}")
    quiet = [p["post_code"] for p in posts if p not in heard]
    if quiet:
        print(f"Not heard from yet: {', '.join(quiet)}")
    return EXIT_OK


def _refusal_line(entry: dict[str, Any]) -> str:
    changes = f"changes {entry['seq_from']}–{entry['seq_to']}" if entry.get("seq_to") else "a package"
    return (f"{changes} from {entry['post_code'] or 'an unknown post'} ({entry['file_name']}), refused "
            f"{local_time(entry['refused_at'])} by {entry['refused_by']}: {entry['message']}")


def cmd_refusals(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.refusals import list_refusals

    entries = list_refusals(_open(args), args.post)
    if print_listing_start(args, entries, f"No refused packages{f' from {args.post}' if args.post else ''}."):
        return EXIT_OK
    for entry in entries:
        print(_refusal_line(entry))
        for problem in entry["problems"]:
            where = ", ".join(f"{k} {problem[k]}" for k in ("sheet", "row", "column") if problem.get(k))
            value = "" if problem.get("value") in (None, "") else f" (value: {problem['value']!r})"
            print(f"    {where or 'file'}: {problem['message']}{value}")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from ccp_desktop.sync.duplicates import find_duplicate_activities
    from ccp_desktop.sync.review import list_review_items, settle_review_item

    db = _open(args)
    if args.find_duplicates:
        raised = find_duplicate_activities(db)
        print(f"{count_of(len(raised), 'likely duplicate activity', 'likely duplicate activities')} found"
              + (f": review items {', '.join(f'#{n}' for n in raised)}." if raised else " (none not reviewed before)."))
        return EXIT_OK
    if args.id is not None:
        if not args.action:
            print("error: say what to do: review ID moved|typo|different (a serial), merged|different (an activity)"
                  " [--note TEXT] [--keep a|b]", file=sys.stderr)
            return EXIT_REJECTED
        item = settle_review_item(db, args.id, args.action, note=args.note or "", keep=args.keep)
        state = "waiting for the post" if item["status"] == "asked-post" else "settled"
        print(f"Review item {args.id} {state} ({args.action}).")
        return EXIT_OK
    items = list_review_items(db)
    if print_listing_start(args, items, "No review items open."):
        return EXIT_OK
    for item in items:
        a, b = item["a"], item["b"]
        state = " [asked the post]" if item["status"] == "asked-post" else ""
        if item["kind"] == "duplicate-activity":
            print(f"#{item['id']} likely the same activity at two posts ({item['detail']['days_apart']} days apart, "
                  f"titles {item['detail']['similarity']:.0%} alike):")
            for letter, side in (("a", a), ("b", b)):
                print(f"    {letter} {side['post']}: {side.get('title')!r}, {side.get('country')} {side.get('activity_type')},"
                      f" from {side.get('start_date')} (activity {side['activity_id']})")
            continue
        print(f"#{item['id']}{state} serial {item['detail'].get('serial')!r} at two posts:")
        for side in (a, b):
            print(f"    {side['post']}: {side.get('description')} to {side.get('recipient')}, delivered "
                  f"{side.get('delivered_on')} (item {side['item_id']})")
    return EXIT_OK


def register(command: Command) -> None:
    p = command("posts", cmd_posts, "at HQ: each post's key, last package, what to ask for, overdue, refusals")
    p.add_argument("--json", action="store_true")

    p = command("refusals", cmd_refusals, "at HQ: packages refused, newest first, with their problems (sheet, row, column)")
    p.add_argument("--post", help="one post's only, e.g. FJ-SUVA")
    p.add_argument("--json", action="store_true")

    p = command("review", cmd_review, "at HQ: a serial at two posts, likely duplicate activities; list, find or settle")
    p.add_argument("id", type=int, nargs="?")
    p.add_argument("action", nargs="?", choices=["moved", "typo", "different", "merged"],
                   help="a serial: moved (transfer recorded), typo (ask the post; stays flagged), different (with "
                        "--note); an activity: merged (counted once) or different (with --note)")
    p.add_argument("--note", help="what to ask the post, or why the records differ")
    p.add_argument("--keep", choices=["a", "b"], default="a", help="merged: which activity is counted (a: the first recorded)")
    p.add_argument("--find-duplicates", action="store_true", help="look for likely duplicate activities across posts now")
    p.add_argument("--json", action="store_true")
