"""Finnish personal identity code (henkilötunnus): format, date and check character.

DDMMYYCZZZQ: birth date, century sign (+ 1800s; - U V W X Y 1900s; A B C D E F 2000s, the
additional signs since 2023), individual number 002-999, check character over DDMMYYZZZ mod 31.
Messages never contain the value.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

from core.patterns import SPACE, matches

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY = {"+": 1800, **dict.fromkeys("-UVWXY", 1900), **dict.fromkeys("ABCDEF", 2000)}
PATTERN = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([-+A-FU-Y])([0-9]{3})([0-9A-Y])")
# What is accepted (either case, surrounding whitespace), as the OpenAPI schema publishes it
# with its `hetu` format (the date, the individual number and the check character).
ACCEPTED = (rf"^[{SPACE}]*[0-9]{{6}}[-+A-Fa-fU-Yu-y][0-9]{{3}}[0-9A-FHJ-NPR-Ya-fhj-npr-y]"
            rf"[{SPACE}]*$")
FORMAT = "hetu"
MASKED = re.compile(r"\d{6}-\*{4}")  # what hetu_mask shows


def hetu_clean(value: str) -> str:
    """The code in canonical (upper-case) form, or ValidationError without echoing the value."""
    match = PATTERN.fullmatch(value.strip().upper()) if matches(ACCEPTED, value) else None
    if not match:
        raise ValidationError("hetu: not a Finnish personal identity code (DDMMYYCZZZQ).")
    code = match.group(0)
    day, month, year, sign, individual, check = match.groups()
    try:
        datetime.date(CENTURY[sign] + int(year), int(month), int(day))
    except ValueError:
        raise ValidationError("hetu: the birth date is not a valid date.") from None
    if int(individual) < 2:
        raise ValidationError("hetu: the individual number must be 002-999.")
    if CHECK[int(day + month + year + individual) % 31] != check:
        raise ValidationError("hetu: the check character does not match.")
    return code


def hetu_mask(value: str) -> str:
    """For display: the birth date part only (e.g. `131052-****`)."""
    return f"{value[:6]}-****" if value else ""


def hetu_is_masked(value: str) -> bool:
    """Whether a value is a masked code as `hetu_mask` shows it (an export's default)."""
    return MASKED.fullmatch(value.strip()) is not None
