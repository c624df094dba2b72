"""Which scheduled backups to keep (保留策略): the newest of each of the last N days, the first of each
of the last M months. Pure: names and times in, names to keep out."""

from __future__ import annotations

from datetime import datetime

from backend.domain.clock import to_shanghai


def keep(backups: dict[str, datetime], daily: int, monthly: int) -> set[str]:
    """The names to keep of ``backups`` (name -> when it was taken); every other one may be removed."""
    ordered = sorted(backups.items(), key=lambda item: item[1])
    newest_of_day: dict = {}
    first_of_month: dict = {}
    for name, taken in ordered:
        local = to_shanghai(taken)
        newest_of_day[local.date()] = name
        first_of_month.setdefault((local.year, local.month), name)
    kept = {newest_of_day[day] for day in sorted(newest_of_day)[-daily:]} if daily else set()
    kept |= {first_of_month[month] for month in sorted(first_of_month)[-monthly:]} if monthly else set()
    return kept
