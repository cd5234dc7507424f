"""Help that always arrives: the outbox, a schedule that cannot fork, and the reconciler.

Each story here was a way a message that must reach a person could be lost or doubled before the
outbox (issue #12): a failed SOS never resent, a forked check-in chain, an answer overwritten by
a slow send, a registration made twice.
"""

from __future__ import annotations

import asyncio
import copy
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from app.factory import SPACING_MARGIN, rate_limiter
from app.rate_limit import NO_WAITING, RateLimiter
from delivery.drainer import Outcome, classify
from delivery.recipients import to_person
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    register_departure,
    sent_departure,
    sweep_at,
)

pytestmark = pytest.mark.staffed

PROMPT_KM = "សួស្ដី! សុខសប្បាយទេ? សូមចុចប៊ូតុងមួយខាងក្រោម៖"
REMINDER_KM = "សួស្ដីម្ដងទៀត! គ្រាន់តែចុចប៊ូតុងមួយខាងក្រោម ដើម្បីឱ្យយើងដឹងពីសុខទុក្ខរបស់អ្នក៖"
SOS_TITLE_EN = "🚨 <b>Asks for help now (SOS)</b>"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def prompts(person: Person) -> list[str]:
    return [t for t in person.new_texts() if t in (PROMPT_KM, REMINDER_KM)]


async def people(bot: Bot) -> tuple[Person, Person, Person]:
    leader, villager, staff = bot.user(901, "Chief"), bot.user(902), bot.user(STAFF_ID, "S", "en")
    await onboard(staff, "en")
    await make_leader(bot, leader)
    return leader, villager, staff


async def test_an_sos_that_fails_once_is_sent_again_and_the_person_hears_when(bot: Bot) -> None:
    leader, villager, staff = await people(bot)
    await onboard(villager)
    bot.telegram.failing[901] = 1  # one 502 for the leader's copy
    bot.telegram.failing[STAFF_ID] = 1  # and one for staff's
    leader.new_texts(), staff.new_texts()

    await villager.send("/sos")
    assert villager.last_text().startswith("🚨 ពេលនេះ យើងមិនទាន់ទាក់ទងនរណាបានទេ")  # the truth
    assert leader.new_texts() == [] and staff.new_texts() == []

    await sweep_at(bot, bot.clock.now() + timedelta(seconds=10))  # the first retry
    assert [t for t in leader.new_texts() if t.startswith("🚨")] != []
    assert [t for t in staff.new_texts() if t.startswith(SOS_TITLE_EN)] != []
    assert villager.new_texts()[-1:] == ["✅ ឥឡូវនេះ គេបានទទួលសាររបស់អ្នកហើយ។\nនឹងមាននរណាម្នាក់ទាក់ទងអ្នក។"]

    await sweep_at(bot, bot.clock.now() + timedelta(hours=29))
    # Once, not once per sweep (nobody took it on, so reminders come, not the alert again).
    assert [t for t in leader.new_texts() + staff.new_texts() if not t.startswith("⏰")] == []
    assert sorted(bot.telegram.refusals) == [("sendMessage", "Bad Gateway")] * 2
    bot.telegram.refusals.clear()


async def test_a_second_sos_while_the_first_reached_nobody_tries_again_at_once(bot: Bot) -> None:
    leader, villager, staff = await people(bot)
    await onboard(villager)
    bot.telegram.failing[901] = 1
    bot.telegram.failing[STAFF_ID] = 1
    await villager.send("/sos")
    leader.new_texts(), staff.new_texts()
    bot.clock.advance(timedelta(seconds=5))  # before the drainer's own retry is due

    await villager.send("/sos")

    # Not "already sent, someone will answer": it had reached nobody. Now it has.
    assert villager.last_text().startswith("🚨 <b>យើងបានប្រាប់")
    assert len([t for t in staff.new_texts() if t.startswith(SOS_TITLE_EN)]) == 1
    assert len(await bot.store.open_cases(None)) == 1
    assert sorted(bot.telegram.refusals) == [("sendMessage", "Bad Gateway")] * 2
    bot.telegram.refusals.clear()


async def test_a_leader_who_blocked_the_bot_is_replaced_by_staff_at_once(bot: Bot) -> None:
    _, villager, staff = await people(bot)
    await sent_departure(bot, villager)
    bot.telegram.blocked.add(901)
    staff.new_texts()
    await sweep_at(bot, utc(3, 4, 1))
    await villager.click("😟 ខ្ញុំមានបញ្ហា")
    await villager.click("🛂 ថៅកែយកប៉ាស្ព័រ ឬឯកសារខ្ញុំទុក")
    assert villager.last_text().startswith("អរគុណដែលបានប្រាប់។")
    assert "បុគ្គលិកគម្រោង" in villager.last_text()  # told: staff have it, not the chief
    [alert] = [t for t in staff.new_texts() if t.startswith("⚠️")]
    assert "Srey Mom" in alert
    bot.telegram.refusals.clear()


async def test_a_blocked_reminder_does_not_fork_the_check_ins(bot: Bot) -> None:
    leader, villager, _ = await people(bot)
    departure_id = await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))  # the first prompt goes out
    assert prompts(villager) == [PROMPT_KM]
    bot.telegram.blocked.add(902)
    await sweep_at(bot, utc(3, 5, 1))  # its reminder is refused: blocked
    assert leader.last_text().startswith("🔕 <b>ទាក់ទងតាម Telegram មិនបាន</b>")
    bot.telegram.blocked.discard(902)  # the person unblocks the bot

    prompts(villager)
    moment = utc(3, 6, 1, 1)
    for _ in range(40):  # forty mornings of sweeps, answering every prompt
        moment += timedelta(days=1)
        await sweep_at(bot, moment)
        if PROMPT_KM in prompts(villager):
            await villager.click("🙂 ខ្ញុំសុខសប្បាយ")
    checkins = await bot.store.checkins_of(departure_id)
    assert len([c for c in checkins if c.status in ("planned", "sending")]) == 1  # one chain
    numbers = [c.number for c in checkins]
    assert len(numbers) == len(set(numbers))  # each prompt planned once
    assert [c.status for c in checkins[1:-1]] == ["answered"] * (len(checkins) - 2)
    bot.telegram.refusals.clear()


async def test_new_dates_while_a_prompt_is_on_its_way_leave_one_schedule(bot: Bot) -> None:
    _, villager, _ = await people(bot)
    departure_id = await sent_departure(bot, villager)
    bot.telegram.delays["sendMessage"] = 0.3  # Telegram is slow to answer
    bot.clock.advance(utc(3, 4, 1) - bot.clock.now())
    from app.context import BotContext
    from delivery.sweep import sweep

    assert bot.app is not None
    sending = asyncio.create_task(sweep(BotContext(bot.app)))
    await asyncio.sleep(0.1)  # the prompt is in flight
    bot.telegram.delays.clear()
    await villager.send("/mydepartures")
    await villager.press(next(d for d in villager.button_data() if ":dates:" in d))
    await villager.click("មួយអាទិត្យទៀត")
    await villager.press(next(d for d in villager.button_data() if d.endswith("arrive_on:3")))
    await sending

    checkins = await bot.store.checkins_of(departure_id)
    live = [c for c in checkins if c.status in ("planned", "sending")]
    assert len(live) == 1 and live[0].number == 0  # the new first prompt, after the new arrival
    await sweep_at(bot, utc(3, 30, 2))
    checkins = await bot.store.checkins_of(departure_id)
    assert len([c for c in checkins if c.status in ("planned", "sending")]) == 1


async def test_an_answer_given_while_the_prompt_is_still_sending_is_kept(bot: Bot) -> None:
    leader, villager, _ = await people(bot)
    departure_id = await sent_departure(bot, villager)
    leader.new_texts()
    bot.telegram.delays["sendMessage"] = 0.3
    bot.clock.advance(utc(3, 4, 1) - bot.clock.now())
    from app.context import BotContext
    from delivery.sweep import sweep

    assert bot.app is not None
    sending = asyncio.create_task(sweep(BotContext(bot.app)))
    await asyncio.sleep(0.1)  # the prompt has reached the phone; Telegram's answer has not
    bot.telegram.delays.clear()
    await villager.click("🙂 ខ្ញុំសុខសប្បាយ")
    await sending

    [first, following] = await bot.store.checkins_of(departure_id)
    assert (first.status, first.answer) == ("answered", "fine")
    assert following.status == "planned"  # the schedule goes on
    await sweep_at(bot, utc(3, 5, 2))
    await sweep_at(bot, utc(3, 7, 2))
    assert prompts(villager) == [PROMPT_KM]  # no reminder for an answered prompt
    assert leader.new_texts() == []  # and no silence alert


async def test_send_pressed_twice_registers_once_and_tells_the_leader_once(bot: Bot) -> None:
    leader, villager, _ = await people(bot)
    await onboard(villager)
    await register_departure(villager)
    leader.new_texts()
    review = villager._last_with_buttons()
    send = next(d for label, d in review.buttons() if label.startswith("✅")) if review else ""
    await villager.press(send, review)
    await villager.press(send, review)  # the second tap of an impatient thumb
    assert len(await bot.store.departures_of(902)) == 1
    assert len([t for t in leader.new_texts() if "Srey Mom" in t]) == 1


async def test_the_same_registration_after_a_crash_is_found_not_made_again(bot: Bot) -> None:
    leader, villager, _ = await people(bot)
    await onboard(villager)
    await register_departure(villager)
    leader.new_texts()
    assert bot.app is not None
    saved = copy.deepcopy(bot.app.user_data[902])  # the form as written at its last step
    review = villager._last_with_buttons()
    assert review is not None
    send = next(d for label, d in review.buttons() if label == "✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
    await villager.press(send, review)
    # The process dies after the registration committed but before the form's end was
    # written: after the restart the form is back, and the person presses Send again.
    assert bot.app.persistence is not None
    await bot.app.persistence.update_user_data(902, saved)
    await bot.app.persistence.update_conversation("departure", (902, 902), 1)
    await bot.restart(crash=True)
    await villager.press(send, review)
    assert len(await bot.store.departures_of(902)) == 1
    assert len([t for t in leader.new_texts() if "Srey Mom" in t]) == 1
    assert villager.last_text().startswith("✅ បានផ្ញើហើយ។")


async def test_the_reconciler_plans_a_missing_check_in_and_says_so(bot: Bot) -> None:
    _, villager, staff = await people(bot)
    departure_id = await sent_departure(bot, villager)
    # A crash in an older version left an active trip with nothing planned.
    await bot.store._db.execute("DELETE FROM checkins WHERE departure_id = ?", (departure_id,))
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    live = [c for c in await bot.store.checkins_of(departure_id) if c.status == "planned"]
    assert len(live) == 1
    await staff.send("/status")
    assert "Repaired by the reconciler since the start: 1." in staff.last_text()


def test_a_timeout_is_told_apart_from_one_where_nothing_was_sent() -> None:
    nothing_left = TimedOut("Pool timeout")
    nothing_left.__cause__ = httpx.PoolTimeout("no connection free")
    maybe_sent = TimedOut()
    maybe_sent.__cause__ = httpx.ReadTimeout("late")
    assert classify(nothing_left) == Outcome.RETRY
    assert classify(maybe_sent) == Outcome.UNKNOWN
    assert classify(NetworkError("Bad Gateway")) == Outcome.RETRY


async def test_a_prompt_told_to_wait_steps_aside_and_holds_no_one_up() -> None:
    """PTB's limiter holds every send while it waits out one 429; a bulk send does not."""
    limiter = RateLimiter(overall_max_rate=0, max_retries=3)
    await limiter.initialize()
    calls: list[str] = []

    async def refused() -> bool:
        calls.append("prompt")
        with warnings.catch_warnings():  # PTB 22 warns about the type of retry_after
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            raise RetryAfter(30)

    async def cry_for_help() -> bool:
        calls.append("sos")
        return True

    data = {"chat_id": 902}
    with pytest.raises(RetryAfter):  # at once, back to the outbox: no 30 s sleep in here
        await asyncio.wait_for(
            limiter.process_request(refused, (), {}, "sendMessage", data, NO_WAITING), 1
        )
    assert await asyncio.wait_for(
        limiter.process_request(cry_for_help, (), {}, "sendMessage", {"chat_id": 7777}, None), 1
    )
    assert calls == ["prompt", "sos"]
    await limiter.shutdown()


async def test_under_the_cap_a_cry_for_help_waits_for_one_bulk_send_at_most() -> None:
    """Bulk sends give way: each other send has at most one bulk send ahead of it."""
    limiter = RateLimiter(overall_max_rate=1, overall_time_period=0.05, max_retries=0)
    await limiter.initialize()
    calls: list[str] = []

    def sender(name: str) -> Any:
        async def send() -> bool:
            calls.append(name)
            return True

        return send

    def bulk(n: int) -> Any:
        send = sender(f"prompt {n}")
        data = {"chat_id": 900 + n}
        return limiter.process_request(send, (), {}, "sendMessage", data, NO_WAITING)

    prompts = [asyncio.create_task(bulk(n)) for n in range(1, 5)]
    await asyncio.sleep(0.01)  # the first prompt went, the next waits its turn
    sos = limiter.process_request(sender("sos"), (), {}, "sendMessage", {"chat_id": 7777}, None)
    assert await asyncio.wait_for(sos, 1)
    await asyncio.wait_for(asyncio.gather(*prompts), 1)
    assert calls == ["prompt 1", "prompt 2", "sos", "prompt 3", "prompt 4"]
    await limiter.shutdown()


async def test_thirty_one_messages_span_more_than_a_second_so_jitter_cannot_make_31() -> None:
    """Spaced exactly 1/30 s, 31 turns span exactly 1 s; a wait after one turn put 31 in a
    second where Telegram counts. The factory's limiter leaves a margin."""
    limiter = rate_limiter(30)
    await limiter.initialize()
    turns: list[float] = []

    async def send() -> bool:
        turns.append(asyncio.get_running_loop().time())
        return True

    sends = [
        limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 900 + n}, None)
        for n in range(31)
    ]
    await asyncio.wait_for(asyncio.gather(*sends), 5)
    assert turns[-1] - turns[0] >= 1 + SPACING_MARGIN - 0.002
    await limiter.shutdown()


async def test_a_leader_who_erases_their_data_gets_no_more_copies(bot: Bot) -> None:
    leader, villager, staff = await people(bot)
    await onboard(villager)
    bot.telegram.failing[901] = 1  # the leader's copy waits for a retry ...
    await villager.send("/sos")
    await leader.send("/delete")
    await leader.click("បាទ/ចាស លុបទាំងអស់")  # ... and the leader erases their data meanwhile
    leader.new_texts(), staff.new_texts()
    await sweep_at(bot, bot.clock.now() + timedelta(hours=2))
    assert [t for t in leader.new_texts() if t.startswith("🚨")] == []  # not to someone who left
    assert sorted(bot.telegram.refusals) == [("sendMessage", "Bad Gateway")]
    bot.telegram.refusals.clear()


async def test_after_a_crash_a_word_to_the_person_is_sent_again_a_prompt_is_not(bot: Bot) -> None:
    _, villager, _ = await people(bot)
    departure_id = await sent_departure(bot, villager)
    await sweep_at(bot, utc(3, 4, 1))
    assert prompts(villager) == [PROMPT_KM]
    [first, _] = await bot.store.checkins_of(departure_id)
    # Claimed for sending when the process died: a prompt, and the chief's "I have seen it".
    await bot.store._db.execute(
        "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE key = ?",
        (bot.clock.now().isoformat(), f"checkin:{first.checkin_id}"),
    )
    seen = to_person(
        f"notice:{departure_id}:seen",
        902,
        "plan.acknowledged",
        {"name": "Chief", "person": "Srey Mom"},
        user_id=902,
    )
    await bot.store.enqueue([seen], claimed=True)
    bot.clock.advance(timedelta(seconds=1))  # the restart comes after the claims
    await bot.restart(crash=True)
    villager.new_texts()
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    assert [t for t in villager.new_texts() if "Chief" in t] != []  # sent again
    assert prompts(villager) == []  # counted as sent, not shown twice
