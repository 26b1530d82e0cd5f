"""`guidekb actions` and `guidekb deadlines`: the action register on the command line."""
from __future__ import annotations

import sys


def format_action(a) -> str:
    lines = [f"{a.title} [{a.language}] · {a.page}"]
    if a.apply_to:
        lines.append("   apply to:  " + "; ".join(x.body + (f" ({x.condition})" if x.condition else "") for x in a.apply_to))
    for d in a.deadlines or []:
        lines.append(f"   deadline:  {d.day:02d}-{d.month:02d}{' ' + d.time if d.time else ''}"
                     f"{' Brussels' if d.timezone else ''}{f' ({d.body})' if d.body else ''}")
    if a.duration:
        lines.append(f"   duration:  {', '.join(str(m) for m in a.duration.values_months)} months")
    for g in a.grant or []:
        lines.append(f"   grant:     {', '.join(f'EUR {x:,}'.replace(',', ' ') for x in g.amounts_eur)}"
                     f"{f' ({g.source.label})' if g.source.label else ''}")
    if a.partners and (a.partners.min_organisations or a.partners.min_countries):
        lines.append(f"   partners:  {a.partners.min_organisations} organisations, {a.partners.min_countries} countries")
    if a.ages:
        lines.append(f"   ages:      {', '.join(map(str, a.ages.values))}")
    for d in a.differences:
        lines.append(f"   differs from EN: {d.field}: EN {d.reference}; {a.language.upper()} {d.this}")
    return "\n".join(lines)


def cmd_actions(args) -> None:
    from index.register.service import list_actions

    from .cli_common import _emit_json, _open_engine

    records = list_actions(_open_engine(args), args.lang)
    if args.json:
        _emit_json([r.model_dump() for r in records])
    elif not records:
        print("no action page in this index (an action page says where or when to apply)")
    else:
        print("\n\n".join(format_action(r) for r in records))


def cmd_deadlines(args) -> None:
    from index.register.service import calendar, list_actions

    from .cli_common import _open_engine

    engine = _open_engine(args)
    if args.ics:
        sys.stdout.buffer.write(calendar(engine, args.lang or "en", args.year).encode("utf-8"))
        sys.stdout.flush()
        return
    for a in list_actions(engine, args.lang or "en"):
        for d in a.deadlines or []:
            print(f"{d.day:02d}-{d.month:02d} {d.time or '     '} {d.body or '':<15} {a.title}  {d.citation.url}")


def add_commands(sub, parents) -> None:
    p = sub.add_parser("actions", parents=parents, help="the action register: per action page and language, where, "
                       "by when, how long, how much, who, partners, ages, each with its row")
    p.add_argument("--lang", metavar="xx", help="only records in this language (default: all)")
    p.set_defaults(run=cmd_actions)
    p = sub.add_parser("deadlines", parents=parents[:1], help="every deadline of the register; --ics: as a calendar")
    p.add_argument("--ics", action="store_true", help="print an iCalendar file (RFC 5545)")
    p.add_argument("--lang", metavar="xx", help="language of the records (default en)")
    p.add_argument("--year", type=int, help="year of the deadlines (default: the edition's)")
    p.set_defaults(run=cmd_deadlines)
