"""How far the rollup job has read each of its sources (``analytics_watermarks``): the last
event id rolled up, or the next day to compute.

A watermark moves in the transaction that adds what it covers, by a conditional update
(``UPDATE ... WHERE position = <the one read>``): two runs at once (the platform server's
task and ``idgate analytics roll-up``, two Lambda invocations) cannot both add the same
events, as the second one's update matches nothing and its transaction rolls back."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from idgate.storage.tables import analytics_watermarks as marks


class RolledUpMeanwhile(Exception):
    """Another run moved the watermark first: this run's batch is rolled back."""


def read_watermark(conn: Connection, source: str) -> int | None:
    return conn.execute(select(marks.c.position).where(marks.c.source == source)).scalar()


def move_watermark(conn: Connection, source: str, old: int | None, new: int) -> None:
    if old is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(marks).values(source=source, position=new))
        except IntegrityError:
            raise RolledUpMeanwhile(source) from None
        return
    moved = conn.execute(
        update(marks).where(marks.c.source == source, marks.c.position == old).values(position=new)
    ).rowcount
    if moved != 1:
        raise RolledUpMeanwhile(source)
