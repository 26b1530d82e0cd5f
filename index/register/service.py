"""The register as the edges serve it: every record (or one language's), one page's records, the calendar."""
from __future__ import annotations

from ingest import GuidekbError
from ingest.languages import check_language

from .ics import deadlines_ics
from .models import ActionRecord, Register
from .store import EMPTY


def register_of(engine) -> Register:
    return getattr(engine.index, "register", None) or EMPTY


def list_actions(engine, language: str | None = None) -> list[ActionRecord]:
    register = register_of(engine)
    if language is None:
        return list(register.actions)
    return [a for a in register.actions if a.language == check_language(language)]


def page_actions(engine, page: str) -> list[ActionRecord]:
    """One action page in every language the register holds it in (English first); 404 when it is not one."""
    page = page.strip("/")
    found = [a for a in register_of(engine).actions if a.page == page or a.page.endswith("/" + page)]
    if not found:
        raise GuidekbError("action_not_found", f"no action page {page!r} in the register: `guidekb actions` lists them", 404)
    return found


def calendar(engine, language: str = "en", year: int | None = None) -> str:
    built = engine.index.manifest.get("built_at", "1970-01-01T00:00:00Z")
    stamp = built.replace("-", "").replace(":", "")
    return deadlines_ics(register_of(engine), check_language(language), year, stamp)
