"""X's bill: what the hub reads and posts on X, priced, and kept inside IT's monthly budget.

X sells API access per use from prepaid credits (PLATFORM_FACTS.md): each post read is
charged (the account's own mentions at a lower "owned read" rate), each post created is
charged (more with a link), and a resource read twice in the same UTC day is charged once.
So the hub counts, per UTC day, the distinct mentions it read and the posts it created
(table ``x_usage``), prices them with the settings' prices, and tells IT this month's spend
and where it is heading.

With a monthly budget set, the mentions poll slows down (never stops) while the month's spend
runs ahead of the budget's pace: the pull reads X only every `SLOWED_EVERY` cycles, and says
so in its report and on the Platform accounts page.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from hub.clock import utc_now
from hub.config import Settings
from hub.store import Store

OWNED_READ, POST_CREATED, POST_WITH_LINK = "owned_read", "post_created", "post_with_link"
# While ahead of the budget's pace, X is read once every this many pull cycles.
SLOWED_EVERY = 10
_LINK = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class XSpend:
    """This month's use of X and its price, so far and projected to the month's end."""

    month: str
    owned_reads: int
    posts_created: int
    posts_with_link: int
    spent: float
    projected: float
    budget: float | None

    @property
    def ahead_of_budget(self) -> bool:
        """Whether the month's spend, at its pace so far, would pass the budget."""
        return self.budget is not None and self.projected > self.budget

    @property
    def summary(self) -> str:
        """One line for the IT page."""
        line = (
            f"{self.month}: {self.owned_reads:,} mentions read, {self.posts_created:,} posts"
            f" ({self.posts_with_link:,} with a link); ${self.spent:,.2f} so far,"
            f" ${self.projected:,.2f} at this pace by the month's end"
        )
        if self.budget is not None:
            line += f" (budget ${self.budget:,.2f})"
        return line


class XUsageMeter:
    """Counts X reads and posts once per resource and UTC day, and prices them."""

    def __init__(
        self, store: Store, settings: Settings, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._cycles_skipped = 0

    def record_reads(self, post_ids: Iterable[str]) -> None:
        """Mentions read now (each counted once a UTC day, as X charges them)."""
        self._record(OWNED_READ, post_ids)

    def record_created(self, cur: duckdb.DuckDBPyConnection, post_id: str, text: str) -> None:
        """A post (or reply) created on X, inside the caller's transaction."""
        kind = POST_WITH_LINK if _LINK.search(text or "") else POST_CREATED
        cur.execute(
            "INSERT INTO x_usage (day, kind, resource_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [self._clock().date(), kind, post_id],
        )

    def _record(self, kind: str, ids: Iterable[str]) -> None:
        rows = [(self._clock().date(), kind, str(i)) for i in ids]
        if not rows:
            return
        with self._store.transaction() as cur:
            cur.executemany(
                "INSERT INTO x_usage (day, kind, resource_id) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                rows,
            )

    def spend(self, now: datetime | None = None) -> XSpend:
        """This UTC month's counts, its spend so far and projected, against the budget."""
        now = now or self._clock()
        first = now.date().replace(day=1)
        with self._store.cursor() as cur:
            counts = dict(
                cur.execute(
                    "SELECT kind, count(*) FROM x_usage WHERE day >= ? GROUP BY kind", [first]
                ).fetchall()
            )
        x = self._settings.x
        spent = (
            counts.get(OWNED_READ, 0) * x.price_owned_read
            + counts.get(POST_CREATED, 0) * x.price_post_created
            + counts.get(POST_WITH_LINK, 0) * x.price_post_with_link
        )
        days = calendar.monthrange(now.year, now.month)[1]
        elapsed = (
            now - now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        ).total_seconds()
        share = max(elapsed / (days * 86400), 1 / (days * 24))
        return XSpend(
            f"{now:%Y-%m}",
            counts.get(OWNED_READ, 0),
            counts.get(POST_CREATED, 0),
            counts.get(POST_WITH_LINK, 0),
            round(spent, 4),
            # Not rounded to cents: against a small budget a projection of $0.004 rounded to
            # $0.00 was never "ahead", and the slowed poll depended on the day of the month.
            spent / share,
            x.monthly_budget,
        )

    def should_read_now(self) -> tuple[bool, str | None]:
        """Whether this pull cycle reads X, and why not (the slowed poll's note)."""
        spend = self.spend()
        if not spend.ahead_of_budget:
            self._cycles_skipped = 0
            return True, None
        note = (
            f"X's mentions read every {SLOWED_EVERY} cycles: this month's spend"
            f" (${spend.spent:,.2f}, ${spend.projected:,.2f} at this pace) is ahead of the"
            f" ${spend.budget:,.2f} budget"
        )
        if self._cycles_skipped + 1 >= SLOWED_EVERY:
            self._cycles_skipped = 0
            return True, note
        self._cycles_skipped += 1
        return False, note


__all__ = ["SLOWED_EVERY", "XSpend", "XUsageMeter"]
