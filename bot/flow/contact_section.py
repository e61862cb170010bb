"""The reader for a contact in contacts:, with its opening hours.

Takes located YAML and returns a frozen `Contact` (or None when it cannot be built), noting every
problem on the `Reader`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.flow.model import WEEKDAYS, Contact, Localized, Location, OpeningHours, OpeningSlot
from bot.flow.reading import Reader, join
from bot.flow.yamlsource import LocatedMap

TIME_PATTERN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def read_hours(reader: Reader, data: LocatedMap, path: str) -> OpeningHours:
    if "hours" not in data or data["hours"] is None:
        return OpeningHours()
    value, where, full = data["hours"], reader.where(data, "hours"), join(path, "hours")
    if isinstance(value, str) and value.strip().replace(" ", "") in {"24/7", "24x7"}:
        return OpeningHours(always=True)
    body = reader.mapping(value, where, full, '"24/7" of een schedule: met dagen en tijden')
    if body is None:
        return OpeningHours()
    reader.keys(body, full, ("schedule", "note"), ())
    if "schedule" not in body and "note" not in body:
        reader.error(body.location, full, 'geef schedule: (dagen en tijden), note: (een beschrijving), of "24/7".')
    slots: list[OpeningSlot] = []
    for item, item_where, item_path in reader.items(body, "schedule", full):
        block = reader.mapping(item, item_where, item_path, '{days: [ma, di], open: "09:00", close: "17:00"}')
        if block is None:
            continue
        reader.keys(block, item_path, ("days", "open", "close"), ("days", "open", "close"))
        times = []
        for key in ("open", "close"):
            raw = str(block.get(key, "")).strip()
            match = TIME_PATTERN.match(raw)
            if key in block and not match:
                reader.error(
                    reader.where(block, key),
                    join(item_path, key),
                    f"'{raw}' is geen tijd; schrijf hem als \"09:00\" (tussen aanhalingstekens).",
                )
            times.append(int(match.group(1)) * 60 + int(match.group(2)) if match else None)
        days = [day for day, _, _ in reader.items(block, "days", item_path)]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            reader.error(
                reader.where(block, "days"),
                join(item_path, "days"),
                f"onbekende dag(en) {unknown}; gebruik {', '.join(WEEKDAYS)}.",
            )
        opens, closes = times
        if opens is None or closes is None:
            continue
        if closes <= opens:
            reader.error(block.location, item_path, "de sluitingstijd moet na de openingstijd liggen.")
            continue
        slots += [OpeningSlot(WEEKDAYS.index(day), opens, closes) for day in days if day in WEEKDAYS]
    return OpeningHours(slots=tuple(slots), note=reader.localized(body, "note", full, required=False))


def read_contact(reader: Reader, contact_id: str, value: Any, where: Location, path: str) -> Contact | None:
    data = reader.mapping(value, where, path, "een contact met name:, purpose:, source: en verified:")
    if data is None:
        return None
    reader.keys(
        data,
        path,
        ("name", "purpose", "phone", "url", "email", "hours", "source", "verified", "review_by", "caveat"),
        ("name", "purpose", "source", "verified"),
    )
    name = reader.localized(data, "name", path)
    purpose = reader.localized(data, "purpose", path)
    phone = data.get("phone")
    phone_text = str(phone).strip() if phone is not None else None
    source = reader.text(data, "source", path)
    verified = reader.day(data, "verified", path, required=True)
    contact = Contact(
        id=contact_id,
        name=name or Localized(contact_id),
        purpose=purpose or Localized(""),
        source=source or "",
        verified=verified or date.min,
        phone=phone_text or None,
        url=reader.text(data, "url", path, required=False),
        email=reader.text(data, "email", path, required=False),
        hours=read_hours(reader, data, path),
        review_by=reader.day(data, "review_by", path, required=False),
        caveat=reader.localized(data, "caveat", path, required=False),
        location=data.location,
    )
    return contact if None not in (name, purpose, source, verified) else None
