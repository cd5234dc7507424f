"""Large databases, fast: the real schema (migrations), then plain sqlite3 executemany.

The mix is what a long-running pilot would hold: every user with a departure, most next
prompts planned days to months ahead, some sent and waiting for an answer, past answered
prompts, a few cancelled; leaders acknowledged almost every departure. Only a small, fixed set
is due at ``START``, so what the sweep has to do stays the same while the table grows.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.clock import ManualClock
from storage.store import Store
from tests.support.chat import START

FIRST_USER = 1_000_000_000
VILLAGES = ("09060405", "09060101", "09060203", "09010301", "09010402")
DESTINATIONS = ("TH", "TH", "TH", "MY", "KR", "KH_PP", "KH_SEZ", "OTHER")
# A half-finished departure form, as the bot keeps it (copied from a real run).
DRAFT = (
    '{"departure": {"answers": {"who": "family", "name": "Srey Mom", "gender": "female",'
    ' "age": 20, "destination": "TH"}, "history": ["who", "name", "gender", "age",'
    ' "destination"]}}'
)


@dataclass(frozen=True)
class Mix:
    departures: int
    due_batches: int = 9  # planned prompts due at START, START + 1 min, ... one batch each
    due_per_batch: int = 20
    waiting_due: int = 20  # sent prompts whose first reminder is due at START
    drafts: int = 0  # users half-way through the departure form

    @property
    def due_now(self) -> int:
        return self.due_batches * self.due_per_batch


def iso(moment: date | datetime) -> str:
    return moment.isoformat()


async def create_schema(path: Path) -> None:
    """The bot's own schema, by its own migrations."""
    store = await Store.open(path, ManualClock(START))
    await store.close()


def fill(path: Path, mix: Mix, seed: int = 20260301) -> dict[str, Any]:
    """Adds ``mix.departures`` users, departures and their check-ins in one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO users (user_id, language, district_code, village_code, gender, age_band,"
        " consented_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _users(mix, rng),
    )
    db.executemany(
        "INSERT INTO departures (departure_id, user_id, for_self, name, gender, age,"
        " village_code, destination, work, duration, channel, agency, documents, employer_phone,"
        " wage, depart_on, arrive_on, reason, family_phone, risk_flags, status, created_at,"
        " updated_at, acknowledged_at, acknowledged_by, escalated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _departures(mix, rng),
    )
    db.executemany(
        "INSERT INTO checkins (departure_id, user_id, number, catch_up, due_at, status,"
        " attempts, claimed_at, sent_at, message_ids, reminders, next_step_at, answered_at,"
        " answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _checkins(mix, rng),
    )
    db.executemany(
        "INSERT INTO drafts (user_id, data, updated_at) VALUES (?, ?, ?)",
        ((FIRST_USER + i, DRAFT, iso(START)) for i in range(mix.drafts)),
    )
    db.executemany(
        "INSERT INTO conversations (name, key, user_id, state, updated_at)"
        " VALUES ('departure', ?, ?, '0', ?)",
        (
            (f"[{FIRST_USER + i}, {FIRST_USER + i}]", FIRST_USER + i, iso(START))
            for i in range(mix.drafts)
        ),
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("users", "departures", "checkins", "drafts")
    }
    db.close()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["megabytes"] = round(path.stat().st_size / 1e6)
    return counts


def _users(mix: Mix, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(mix.departures):
        village = VILLAGES[i % len(VILLAGES)]
        joined = iso(START - timedelta(days=rng.randint(1, 700)))
        yield (
            FIRST_USER + i,
            "km" if i % 10 else "en",
            village[:4],
            village,
            ("female", "male", None)[i % 3],
            ("18_24", "25_34", None)[i % 3],
            joined,
            joined,
            joined,
        )


def _departures(mix: Mix, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(mix.departures):
        village = VILLAGES[i % len(VILLAGES)]
        created = START - timedelta(days=rng.randint(2, 700))
        arrive = created + timedelta(days=rng.randint(1, 30))
        status = "active" if rng.random() < 0.95 else rng.choice(("cancelled", "returned"))
        if i < mix.due_now + mix.waiting_due:  # due now: active, prompt number 3 (day 30) due
            created, arrive, status = (
                START - timedelta(days=40),
                START - timedelta(days=30),
                "active",
            )
        # Leaders acknowledged nearly all; a few registered this last hour are still waiting.
        recent = i % 10_000 == 9_999
        if recent:
            created = START - timedelta(hours=1)
        yield (
            i + 1,
            FIRST_USER + i,
            i % 2,
            "Srey Mom",
            "female" if i % 3 else "male",
            18 + i % 30,
            village,
            DESTINATIONS[i % len(DESTINATIONS)],
            "seafood",
            "short" if i % 4 else "long",
            ("broker", "agency", "friends", "own")[i % 4],
            None,
            "passport" if i % 2 else "",
            None,
            250,
            iso(created.date()),
            iso(arrive.date()),
            "poverty_debt",
            "012 345 678",
            "broker" if i % 4 == 0 else "",
            status,
            iso(created),
            iso(created),
            None if recent else iso(created + timedelta(hours=rng.randint(1, 20))),
            None if recent else 7777,
            None,
        )


def _checkins(mix: Mix, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """One live prompt per departure (the next one), the one before it when it waits for an
    answer, and past answered ones: as the bot keeps them (one planned right after one is sent)."""
    waiting_from = mix.due_now
    for i in range(mix.departures):
        departure, user = i + 1, FIRST_USER + i
        for number in range(rng.choice((0, 0, 1, 2))):  # the past, answered
            sent = START - timedelta(days=rng.randint(8, 600))
            yield _row(departure, user, number, sent, "answered", sent=sent, answered=True)
        if i < mix.due_now:  # due now: batch b at START + b minutes
            due = START + timedelta(minutes=i // mix.due_per_batch)
            yield _row(departure, user, 3, due, "planned")
        elif i < waiting_from + mix.waiting_due:  # sent yesterday, no answer, reminder due
            sent = START - timedelta(hours=25)
            yield _row(departure, user, 3, sent, "sent", sent=sent, step=START - timedelta(hours=1))
            yield _row(departure, user, 4, START + timedelta(days=29), "planned")
        else:
            draw = rng.random()
            if draw < 0.85:  # planned, days to months ahead
                due = START + timedelta(minutes=rng.randint(24 * 60, 90 * 24 * 60))
                yield _row(departure, user, 3, due, "planned")
            elif draw < 0.97:  # sent, waiting for an answer; its next step is ahead
                sent = START - timedelta(hours=rng.randint(1, 20))
                step = START + timedelta(minutes=rng.randint(60, 72 * 60))
                yield _row(departure, user, 3, sent, "sent", sent=sent, step=step)
                yield _row(departure, user, 4, START + timedelta(days=29), "planned")
            else:  # cancelled when the dates changed: planned again from the new ones
                yield _row(departure, user, 3, START - timedelta(days=3), "cancelled")
                yield _row(departure, user, 3, START + timedelta(days=5), "planned")


def _row(
    departure: int,
    user: int,
    number: int,
    due: datetime,
    status: str,
    *,
    sent: datetime | None = None,
    step: datetime | None = None,
    answered: bool = False,
) -> tuple[Any, ...]:
    return (
        departure,
        user,
        number,
        0,
        iso(due),
        status,
        1 if sent else 0,
        iso(sent) if sent else None,
        iso(sent) if sent else None,
        "17" if sent else "",
        0,
        iso(step) if step else None,
        iso(sent + timedelta(hours=3)) if answered and sent else None,
        "fine" if answered else None,
    )
