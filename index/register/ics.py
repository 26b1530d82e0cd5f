"""Every deadline of the register as an iCalendar file (RFC 5545) a help desk can subscribe to: one event per
deadline, at its time of day in Brussels time, linking to the row that states it."""
from __future__ import annotations

import hashlib
import re

from .models import Register

PRODID = "-//guidekb//action register//EN"
# Europe/Brussels since 1996: CET, CEST from the last Sunday of March to the last Sunday of October.
VTIMEZONE = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Brussels",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continuations starting with a space (RFC 5545 3.1), never splitting a character."""
    out, current = [], ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def edition_year(edition: str | None) -> int | None:
    found = re.search(r"\b(20\d\d)\b", edition or "")
    return int(found.group(1)) if found else None


def deadlines_ics(register: Register, language: str = "en", year: int | None = None, stamp: str = "19700101T000000Z") -> str:
    """The calendar of the deadlines of every action in `language` (English where the register lacks the page in
    it). Each deadline falls in `year`, else its edition's year; one without either is left out (no guess).
    `stamp` is DTSTAMP (UTC, e.g. the build time), so the file changes only when the register does."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:Erasmus+ Programme Guide deadlines", "X-WR-TIMEZONE:Europe/Brussels", *VTIMEZONE]
    pages = dict.fromkeys(a.page for a in register.actions)
    for page in pages:
        versions = {a.language: a for a in register.find(page)}
        record = versions.get(language) or versions.get("en") or next(iter(versions.values()))
        event_year = year or edition_year(record.edition)
        if event_year is None:
            continue
        for n, d in enumerate(record.deadlines or []):
            uid = hashlib.sha1(f"{page}|{record.language}|{n}|{d.day}-{d.month}-{d.time}".encode()).hexdigest()[:20]
            date = f"{event_year:04d}{d.month:02d}{d.day:02d}"
            if d.time:
                hh, mm = d.time.split(":")
                tz = f";TZID={d.timezone}" if d.timezone else ""
                start = [f"DTSTART{tz}:{date}T{hh}{mm}00", f"DTEND{tz}:{date}T{hh}{mm}00"]
            else:
                start = [f"DTSTART;VALUE=DATE:{date}"]
            who = f" ({d.body})" if d.body else ""
            lines += ["BEGIN:VEVENT", f"UID:{uid}@guidekb", f"DTSTAMP:{stamp}", *start,
                      f"SUMMARY:{_escape(f'Deadline: {record.title}{who}')}",
                      f"DESCRIPTION:{_escape(d.text + chr(10) + chr(10) + d.citation.reference)}",
                      f"URL:{d.citation.ascii_url}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
