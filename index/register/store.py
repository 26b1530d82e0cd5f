"""The register as a build stores it (register.json beside the manifest), read back at load."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

from ingest import Passage

from ..crosslang.counterparts import Counterparts
from .models import Register
from .read import REGISTER_FILE, REGISTER_VERSION, safe_register

log = logging.getLogger("guidekb")
EMPTY = Register(version=REGISTER_VERSION, languages=[], actions=[])


def load_register(build_dir: Path, passages: Sequence[Passage], counterparts: Counterparts) -> Register:
    """The stored register; read anew from the passages when the build has none or another version's (an older
    build, or one whose register failed), and empty when that fails too: search never depends on it."""
    path = Path(build_dir) / REGISTER_FILE
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == REGISTER_VERSION:
                return Register.model_validate(data)
        except (OSError, ValueError) as exc:
            log.warning("register %s cannot be read (%s): reading it anew from the passages", path, exc)
    return safe_register(passages, counterparts) or EMPTY
