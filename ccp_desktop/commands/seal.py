"""`hq-key`: HQ's encryption key for sealed packages. At HQ: show it, export it for the posts, rotate it.
At a post: show the key it seals to, or learn it from HQ's key file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ccp_desktop.commands.common import (
    EXIT_OK,
    Command,
    UsageError,
    open_existing,
    positive,
    print_json,
)


def _show_hq(db: Any, as_json: bool) -> None:
    from ccp_desktop.sync.hq_keys import hq_keys
    from ccp_desktop.sync.seal import current_key

    keys = hq_keys(db)
    current = current_key(keys)
    assert current is not None
    if as_json:
        print_json({"role": "hq", "public_key": current.public_key, "fingerprint": current.fingerprint,
                    "keys": [{"public_key": k.public_key, "fingerprint": k.fingerprint, "created_at": k.created_at,
                              "retired_at": k.retired_at, "open_until": k.open_until} for k in keys]})
        return
    print(f"HQ's encryption key (posts seal their packages to it), made {current.created_at[:10]}:")
    print(f"Fingerprint: {current.fingerprint}")
    print(f"Public key: {current.public_key}")
    for key in keys:
        if key.retired_at is not None:
            print(f"Retired {key.retired_at[:10]}: {key.fingerprint}, opens packages until {(key.open_until or '')[:10]}")
    print("Write it for the posts with `hq-key --export FILE`.")


def _show_post(db: Any, as_json: bool) -> None:
    from ccp_desktop.sync.hq_keys import known_hq_key

    known = known_hq_key(db)
    if as_json:
        print_json({"role": "field", "public_key": known.public_key if known else None,
                    "fingerprint": known.fingerprint if known else None,
                    "learnt_at": known.learnt_at if known else None, "how": known.how if known else None})
        return
    if known is None:
        print("HQ's encryption key is not known here: packages are sent unsealed. Set it with "
              "`hq-key --set FILE` (the file HQ sent).")
        return
    print(f"Packages are sealed for HQ's key (learnt {known.learnt_at[:10]}, {known.how}):")
    print(f"Fingerprint: {known.fingerprint}")
    print(f"Public key: {known.public_key}")


def cmd_hq_key(args: argparse.Namespace) -> int:
    from ccp_desktop.store.installation import require_installation
    from ccp_desktop.sync import hq_keys

    chosen = [name for name in ("export", "set", "rotate") if getattr(args, name) not in (None, False)]
    if len(chosen) > 1:
        raise UsageError(f"hq-key: choose one of --export, --set, --rotate (got {', '.join(chosen)})")
    if args.overlap_days is not None and not args.rotate:
        raise UsageError("hq-key: --overlap-days goes with --rotate")
    db = open_existing(args)
    if args.export:
        target, key = hq_keys.export_hq_key(db, Path(args.export))
        print(f"Wrote HQ's public encryption key {key.fingerprint} to {target}.")
        print("Send it to the posts (each runs `hq-key --set FILE`) and read them the fingerprint to compare.")
    elif args.set:
        known, replaced = hq_keys.learn_hq_key_file(db, Path(args.set))
        if replaced:
            print(f"Replaced HQ's key {replaced} with {known.fingerprint}: packages are sealed to the new key.")
        else:
            print(f"Packages are now sealed for HQ's key {known.fingerprint}.")
        print("Compare this fingerprint with the one HQ gave you (by phone or in writing).")
    elif args.rotate:
        overlap = hq_keys.DEFAULT_OVERLAP_DAYS if args.overlap_days is None else args.overlap_days
        new, old = hq_keys.rotate_hq_key(db, overlap)
        print(f"New HQ encryption key {new.fingerprint}. The old key {old.fingerprint} still opens packages "
              f"until {(old.open_until or '')[:10]} ({overlap} days); after that its packages are refused.")
        print("Send the posts the new key: `hq-key --export FILE`.")
    elif require_installation(db).is_hq:
        _show_hq(db, args.json)
    else:
        _show_post(db, args.json)
    return EXIT_OK


def register(command: Command) -> None:
    p = command("hq-key", cmd_hq_key, "HQ's encryption key for sealed packages: show it; at HQ export or rotate it, "
                                      "at a post learn it from HQ's key file")
    p.add_argument("--export", metavar="FILE", help="at HQ: write HQ's public key for the posts")
    p.add_argument("--set", metavar="FILE", help="at a post: seal packages to the key in this file (from HQ)")
    p.add_argument("--rotate", action="store_true", help="at HQ: make a new key; the old one opens packages "
                                                         "for --overlap-days more days")
    p.add_argument("--overlap-days", type=positive, metavar="N", help="with --rotate: days the old key still "
                                                                     "opens packages (default 90)")
    p.add_argument("--json", action="store_true")
