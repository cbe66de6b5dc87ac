"""The outcome commands: per-cluster ``token``s for feedback and the ``outcomes`` funnel.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from matcher.catalogue import (
    Reference,
)

if TYPE_CHECKING:
    pass

from .common import database_option, open_database


def cmd_token(args: argparse.Namespace, out: Any) -> int:
    from matcher.outcomes import tokens
    from matcher.store import utc_now

    with open_database(args) as store:
        if args.action == "create":
            profile = store.catalogue(Reference.load(args.reference)).get(args.cluster)
            token, record = tokens.create(store, profile, utc_now())
            out.write(f"{token}\n")
            sys.stderr.write(f"token {record.id} for {profile.id}: shown once, only its digest is "
                             f"stored; revoke with `clusterbridge token revoke {record.id}`\n")
        elif args.action == "revoke":
            found = tokens.revoke(store, args.id, utc_now())
            out.write(f"revoked token {args.id} of {found.cluster}\n")
        else:
            records = store.tokens()
            if args.json:
                out.write(json.dumps([r.public() for r in records], indent=2) + "\n")
            for r in [] if args.json else records:
                state = f"revoked {r.revoked_at}" if r.revoked_at else "live"
                out.write(f"{r.id}  {r.cluster}  created {r.created_at}  {state}\n")
    return 0


def cmd_outcomes(args: argparse.Namespace, out: Any) -> int:
    from matcher.outcomes.feedback import catalogue_funnel, format_funnel

    with open_database(args) as store:
        catalogue = store.catalogue(Reference.load(args.reference))
        result = catalogue_funnel(catalogue, store.suggested_pairs(), store.feedback_history())
    out.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n" if args.json
              else format_funnel(result))
    return 0


def add_parsers(sub: Any) -> None:
    """The subcommands of this module, each with its ``run``."""
    token = sub.add_parser("token", help="per-cluster tokens that let a cluster's managers mark "
                           "its suggestions (stored as salted digests)")
    database_option(token, "the service database")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="issue a token for a German cluster; printed once")
    create.add_argument("--cluster", required=True, help="German cluster id")
    revoke = token_sub.add_parser("revoke", help="revoke a token by its id (at the next request)")
    revoke.add_argument("id", help="the token's id (token list shows it)")
    listing = token_sub.add_parser("list", help="ids, clusters, dates; never the tokens")
    listing.add_argument("--json", action="store_true")
    token.set_defaults(run=cmd_token)

    outcomes = sub.add_parser("outcomes", help="the funnel suggested -> interested -> contacted -> "
                              "meeting -> agreement, by field and world region, beside the 10.5%% "
                              "meeting-to-MoU anchor")
    database_option(outcomes, "the service database")
    outcomes.add_argument("--json", action="store_true")
    outcomes.set_defaults(run=cmd_outcomes)
