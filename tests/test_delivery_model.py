"""A stateful property test of delivery: random interleavings, the promises checked after each.

Hypothesis drives three villagers, their village leader and a staff member through random
sequences of sweeps (time moving on by hours or days), answers and double taps, problems,
cries for help, new dates, blocking and unblocking the bot, one-off Telegram failures (502),
acknowledgements, and restarts (clean or a crash). After every step:

- at most one live check-in (planned or queued) per departure, and every active departure has
  exactly one;
- every alert reached a leader or staff, or a copy of it is still queued to be tried again;
- no check-in prompt was shown twice and no reminder more than once, and no leader saw the
  same departure notice twice (these are sent at most once; only alert copies, which are sent
  at least once, could be doubled, and only by a timeout after the request left, which this
  in-process Telegram never produces: see tests/test_network_faults.py for those).
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from delivery.drainer import GIVE_UP_TRIES, NOT_NEEDED
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, make_leader, onboard, register_departure, sweep_at

PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"
REMINDER_KM = "សួស្ដីម្ដងទៀត! គ្រាន់តែចុចប៊ូតុងមួយខាងក្រោម ដើម្បីឱ្យយើងដឹងពីសុខទុក្ខរបស់អ្នក៖"
NOTICE_TITLE = "<b>ដំណឹងចេញដំណើរ</b>"
LEADER, STAFF = 9100, STAFF_ID
VILLAGERS = (9101, 9102, 9103)
NAMES = {9101: "Chanthou", 9102: "Bopha", 9103: "Sreyleak"}
villager_ids = st.sampled_from(VILLAGERS)
ANSWERS = ["fine", "problem", "help"]


class Delivery(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        self.bot = Bot(Path(self.folder.name) / "bot.sqlite3")
        self.people: dict[int, Person] = {}
        self.answered: set[int] = set()  # check-ins seen answered: they must stay so

    def run(self, step: object) -> object:
        return self.loop.run_until_complete(step)  # type: ignore[arg-type]

    @initialize()
    def start(self) -> None:
        async def setup() -> None:
            await self.bot.start(staff_user_ids=frozenset({STAFF}))
            staff = self.bot.user(STAFF, "Staff", "en")
            await onboard(staff, "en")
            leader = self.bot.user(LEADER, "Chief")
            await make_leader(self.bot, leader)
            self.people = {LEADER: leader, STAFF: staff}
            for user_id in VILLAGERS:
                person = self.bot.user(user_id)
                await onboard(person)
                self.people[user_id] = person

        self.run(setup())

    def teardown(self) -> None:
        if self.bot.app is not None:
            self.run(self.bot.stop())
        self.loop.close()
        self.folder.cleanup()

    def away(self, who: int) -> bool:
        """Someone who blocked the bot sees nothing from it, so taps nothing."""
        return who in self.bot.telegram.blocked

    # -- what people and time do --------------------------------------------------------------

    @rule(who=villager_ids)
    def register(self, who: int) -> None:
        """A villager registers a trip (one at a time per person)."""
        if self.away(who):
            return

        async def step() -> None:
            active = [d for d in await self.bot.store.departures_of(who) if d.status == "active"]
            if active:
                return
            person = self.people[who]
            try:
                await register_departure(person, name=NAMES[who])
                await person.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
            except AssertionError:
                return  # a screen did not arrive (Telegram failed): they will try another day

        self.run(step())

    @rule(hours=st.sampled_from([1, 6, 13, 24, 49, 24 * 7]))
    def time_passes(self, hours: int) -> None:
        """Time moves on and the sweep runs (with its drain), as the repeating job would."""
        self.run(sweep_at(self.bot, self.bot.clock.now() + timedelta(hours=hours)))

    @rule(seconds=st.sampled_from([10, 40, 300]))
    def a_little_later(self, seconds: int) -> None:
        """Seconds later: failed sends fall due again."""
        self.run(sweep_at(self.bot, self.bot.clock.now() + timedelta(seconds=seconds)))

    @rule(
        who=villager_ids, answer=st.sampled_from(["fine", "problem", "help"]), twice=st.booleans()
    )
    def answer(self, who: int, answer: str, twice: bool) -> None:
        """The villager answers their newest prompt (maybe with a double tap)."""
        if self.away(who):
            return
        person = self.people[who]
        data = [d for d in person.button_data() if d.startswith("ci:") and d.endswith(answer)]
        if data:
            for _ in range(2 if twice else 1):
                self.run(person.press(data[0]))

    @rule(who=villager_ids, twice=st.booleans())
    def name_a_serious_problem(self, who: int, twice: bool) -> None:
        if self.away(who):
            return
        person = self.people[who]
        picks = [d for d in person.button_data() if d.startswith("pb:") and "passport" in d]
        if picks:
            self.run(person.press(picks[0]))
        done = [d for d in person.button_data() if d.startswith("pb:") and d.endswith(":done")]
        if done:
            for _ in range(2 if twice else 1):
                self.run(person.press(done[0]))

    @rule(who=villager_ids)
    def sos(self, who: int) -> None:
        if not self.away(who):
            self.run(self.people[who].send("/sos"))

    @rule(who=villager_ids)
    def new_dates(self, who: int) -> None:
        """New dates for the villager's trip: leaving in a week, arriving 3 days after."""
        if self.away(who):
            return

        async def step() -> None:
            person = self.people[who]
            await person.send("/mydepartures")
            dates = [d for d in person.button_data() if ":dates:" in d]
            if not dates:
                return
            await person.press(dates[0])
            arrive = [d for d in person.button_data() if d.endswith("depart_on:7")]
            if arrive:
                await person.press(arrive[0])
            arrive = [d for d in person.button_data() if d.endswith("arrive_on:3")]
            if arrive:
                await person.press(arrive[0])

        self.run(step())

    @rule(who=st.sampled_from((*VILLAGERS, LEADER)))
    def blocks_the_bot(self, who: int) -> None:
        self.bot.telegram.blocked.add(who)

    @rule(who=st.sampled_from((*VILLAGERS, LEADER)))
    def unblocks_the_bot(self, who: int) -> None:
        self.bot.telegram.blocked.discard(who)

    @rule(who=st.sampled_from((*VILLAGERS, LEADER, STAFF)))
    def telegram_fails_once(self, who: int) -> None:
        """The next message to this chat gets a 502."""
        self.bot.telegram.failing[who] = self.bot.telegram.failing.get(who, 0) + 1

    @rule(responder=st.sampled_from((LEADER, STAFF)))
    def acknowledges(self, responder: int) -> None:
        if self.away(responder):
            return
        person = self.people[responder]
        acks = [d for d in person.button_data() if re.match(r"^(al|leader):ack:", d)]
        if acks:
            self.run(person.press(acks[0]))

    @rule(crash=st.booleans())
    def restart(self, crash: bool) -> None:
        self.run(self.bot.restart(crash=crash))

    # -- what must always hold ----------------------------------------------------------------

    @invariant()
    def one_live_check_in_per_active_departure(self) -> None:
        async def check() -> None:
            for user_id in VILLAGERS:
                for departure in await self.bot.store.departures_of(user_id):
                    checkins = await self.bot.store.checkins_of(departure.departure_id)
                    live = [c for c in checkins if c.status in ("planned", "sending")]
                    expected = 1 if departure.status == "active" else 0
                    assert len(live) == expected, (departure, checkins)

        if self.bot.app is not None:
            self.run(check())

    @invariant()
    def no_message_is_lost_to_a_passing_failure(self) -> None:
        """Given up only for a lasting reason (blocked); dropped only when it no longer matters."""
        with closing(sqlite3.connect(self.bot.database)) as db:
            rows = db.execute(
                "SELECT outbox_id, kind, status, last_error, attempts, created_at FROM outbox"
                " WHERE status IN ('failed', 'cancelled')"
            ).fetchall()
        for outbox_id, kind, status, error, attempts, created in rows:
            if status == "cancelled":
                assert error == NOT_NEEDED, (outbox_id, kind, error)
            elif error not in ("Forbidden", "BadRequest", "erased"):
                # A passing failure ends a row only after outbox.give_up_after and enough tries.
                age = self.bot.clock.now() - datetime.fromisoformat(created)
                assert age >= timedelta(days=3) and attempts >= GIVE_UP_TRIES, (outbox_id, kind)

    @invariant()
    def an_answer_is_never_lost(self) -> None:
        async def check() -> None:
            for user_id in VILLAGERS:
                for departure in await self.bot.store.departures_of(user_id):
                    for c in await self.bot.store.checkins_of(departure.departure_id):
                        if c.checkin_id in self.answered:
                            assert c.status == "answered", c
                        if c.status == "answered":
                            self.answered.add(c.checkin_id)

        if self.bot.app is not None:
            self.run(check())

    @invariant()
    def every_alert_reached_someone_or_is_still_being_tried(self) -> None:
        async def check() -> None:
            for alert in await self.bot.store.open_cases(None):
                rows = await self.bot.store.outbox_group(f"alert:{alert.alert_id}")
                statuses = {r.status for r in rows if r.kind == "alert"}
                # After 30 days the outbox forgets delivered rows; the copies stay recorded.
                delivered = await self.bot.store.alert_messages(alert.alert_id)
                assert statuses & {"sent", "pending", "sending"} or delivered, (alert, rows)

        if self.bot.app is not None:
            self.run(check())

    @invariant()
    def nothing_at_most_once_was_shown_twice(self) -> None:
        shown = self.bot.telegram.shown
        prompts: Counter[tuple[int, str]] = Counter()
        for message_list in self.bot.telegram.chats.values():
            for message in message_list:
                if message.text not in (PROMPT_KM, REMINDER_KM):
                    continue
                checkin = next(
                    (d.split(":")[1] for _, d in message.buttons() if d.startswith("ci:")), ""
                )
                if not checkin:
                    # Answered «😟 a problem»: the prompt gave up its buttons (the list comes
                    # below its picture). It was counted while it had them, at every step.
                    continue
                prompts[(int(checkin), message.text)] += 1
        for (checkin_id, text), count in prompts.items():
            assert count <= (1 if text == PROMPT_KM else 2), (checkin_id, text, count)
        # Each villager has at most one trip here; its notice reaches the leader at most once.
        notices = Counter(
            name
            for s in shown
            if s.kind == "message" and s.chat_id == LEADER and s.text.startswith(NOTICE_TITLE)
            for name in NAMES.values()
            if name in s.text
        )
        assert all(count <= 1 for count in notices.values()), notices


Delivery.TestCase.settings = settings(
    max_examples=int(os.environ.get("DELIVERY_MODEL_EXAMPLES", "25")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDelivery = Delivery.TestCase
