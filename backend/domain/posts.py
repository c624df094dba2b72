"""A/B posts (AB岗): every task is addressed to a post whose B holder covers for A.

A ``Post`` records its holders and their absences; ``route_task`` names who
receives a task addressed to the post at a given moment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from backend.domain.errors import Conflict


@dataclass(frozen=True)
class Absence:
    """A holder away from the post from ``start`` until ``end`` (open-ended when None)."""

    staff_id: str
    start: datetime
    end: datetime | None = None
    reason: str = ""

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class Post:
    """岗位 with an A holder and a B backup (AB岗): B stands in whenever A is away."""

    post_id: str
    department: str
    name: str
    holder_a: str
    holder_b: str
    absences: tuple[Absence, ...] = ()

    def is_away(self, staff_id: str, moment: datetime) -> bool:
        return any(a.staff_id == staff_id and a.covers(moment) for a in self.absences)


def mark_away(post: Post, staff_id: str, start: datetime, end: datetime | None = None, reason: str = "") -> Post:
    return replace(post, absences=post.absences + (Absence(staff_id, start, end, reason),))


def mark_back(post: Post, staff_id: str, moment: datetime) -> Post:
    """Ends the holder's open absences at ``moment``."""
    ended = tuple(replace(a, end=moment) if a.staff_id == staff_id and a.covers(moment) else a
                  for a in post.absences)
    return replace(post, absences=ended)


def route_task(post: Post, moment: datetime) -> str:
    """The staff id who gets a task addressed to ``post`` now: A, or B while A is away."""
    for holder in (post.holder_a, post.holder_b):
        if holder and not post.is_away(holder, moment):
            return holder
    raise Conflict(f"岗位「{post.name}」A、B岗人员均不在岗，请中心管理人员调整", code="post_unstaffed")
