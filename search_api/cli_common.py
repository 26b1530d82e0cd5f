"""What every `guidekb` subcommand shares: the log line, JSON on stdout, and the engine opened from the flags.

Its own module so that cli.py and actions_cli.py both use it without importing each other.
"""
from __future__ import annotations

import json
import sys


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _emit_json(obj) -> None:
    data = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:  # UTF-8 whatever the locale says
        sys.stdout.flush()
        buffer.write(data.encode("utf-8"))
        buffer.flush()
    else:
        sys.stdout.write(data)


def _settings(args):
    from index import build_settings

    return build_settings(corpus_dir=args.corpus, index_dir=args.index, model=args.model)


def _open_engine(args):
    from index import SearchEngine

    return SearchEngine.open(_settings(args), log=_log)
