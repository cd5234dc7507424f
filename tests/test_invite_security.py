"""Leader invites cannot be guessed: 128 random bits, and only a few bad tries a day per person.

A person who tried ``MAX_FAILED_INVITES`` codes that did not work (unknown, malformed, used or
expired) is refused kindly, without the bot even looking at the next code, until the first of
those tries is ``FAILED_INVITE_WINDOW`` old. The tries are in the database: a restart keeps them.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from datetime import timedelta

import pytest

from access.invites import CODE_BYTES, FAILED_INVITE_WINDOW, MAX_FAILED_INVITES, hash_code
from preview.botapi import ChatMessage
from storage.leaders import InviteResult
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, VILLAGE, onboard, read_consent, sweep_at

TOO_MANY_KM = (
    "អ្នកបានសាកប្រើការអញ្ជើញដែលមិនត្រឹមត្រូវ ច្រើនដងពេកហើយ។ សូមសុំការអញ្ជើញថ្មីពីបុគ្គលិកគម្រោង ហើយសាកម្ដងទៀតនៅថ្ងៃស្អែក។"
)
TOO_MANY_EN = (
    "You have tried too many invitations that are not valid. "
    "Please ask the programme staff for a new one, and try again tomorrow."
)


pytestmark = pytest.mark.staffed


async def invite_payload(bot: Bot) -> str:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await staff.send("/invite 09060405")
    match = re.search(r"start=(l_[\w-]+)", staff.last_text())
    assert match, staff.last_text()
    return match.group(1)


async def accept(person: Person, payload: str, lang: str = "km") -> None:
    """Opens the invite as someone new: language, consent, and they are a leader."""
    await person.send(f"/start {payload}")
    await person.click("ភាសាខ្មែរ" if lang == "km" else "English")
    await read_consent(person, lang)
    await person.click("បាទ/ចាស ខ្ញុំយល់ព្រម" if lang == "km" else "Yes, I agree")


def made_up() -> str:
    return "l_" + secrets.token_urlsafe(CODE_BYTES)


async def test_codes_carry_128_random_bits_and_differ(bot: Bot) -> None:
    first, second = await invite_payload(bot), await invite_payload(bot)
    assert first != second
    for payload in (first, second):
        code = payload.removeprefix("l_")
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        assert len(raw) == CODE_BYTES and CODE_BYTES * 8 >= 128


async def test_after_five_bad_codes_even_a_good_one_waits_a_day(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    expired = await invite_payload(bot)
    bot.clock.advance(timedelta(days=7, minutes=1))
    used = await invite_payload(bot)
    await accept(bot.user(801, "Chief"), used)
    good = await invite_payload(bot)
    guesser = bot.user(802)

    await guesser.send(f"/start {expired}")
    assert guesser.last_text().startswith("ការអញ្ជើញនេះ ផុតកំណត់ហើយ។")
    await guesser.send(f"/start {used}")
    assert guesser.last_text().startswith("ការអញ្ជើញនេះ ត្រូវបានប្រើរួចហើយ។")
    for payload in (made_up(), "l_<script>", "l_" + "A" * 22):
        await guesser.send(f"/start {payload}")
        assert guesser.last_text().startswith("ការអញ្ជើញនេះ មិនត្រឹមត្រូវទេ។")
    assert MAX_FAILED_INVITES == 5

    await guesser.send(f"/start {good}")  # the right code, but too late today
    assert guesser.last_text() == TOO_MANY_KM
    assert guesser.buttons() == []  # no onboarding begun
    assert await bot.store.invite_village(hash_code(good[2:])) == (InviteResult.ACCEPTED, VILLAGE)
    assert await bot.store.led_villages(802) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "invite_refused user=802 reason=too_many" in logged
    assert good.removeprefix("l_") not in logged

    await bot.restart()
    await guesser.send(f"/start {good}")
    assert guesser.last_text() == TOO_MANY_KM  # the count survives a restart
    assert (await bot.store.rows_by_table(802))["invite_attempts.user_id"] == 5  # not 7

    bot.clock.advance(FAILED_INVITE_WINDOW + timedelta(minutes=1))
    await accept(guesser, good)
    assert "🎖" in guesser.last_text()
    assert await bot.store.led_villages(802) == ["09060405"]


async def test_the_limit_is_per_person_and_staff_are_unaffected(bot: Bot) -> None:
    guesser, careful, staff = bot.user(811, "Dara", "en"), bot.user(812), bot.user(STAFF_ID)
    await onboard(guesser, "en")  # someone already in the bot: told in their language
    for _ in range(MAX_FAILED_INVITES):
        await guesser.send(f"/start {made_up()}")
    await guesser.send(f"/start {made_up()}")
    assert guesser.last_text() == TOO_MANY_EN

    for _ in range(MAX_FAILED_INVITES - 1):  # one short of the limit
        await careful.send(f"/start {made_up()}")
    payload = await invite_payload(bot)  # staff still make invites
    assert "start=l_" in staff.last_text()
    await accept(careful, payload)
    assert await bot.store.led_villages(812) == ["09060405"]
    await guesser.send(f"/start {payload}")
    assert guesser.last_text() == TOO_MANY_EN  # refused before the code is looked at


async def test_bad_tries_are_shown_in_mydata_and_erased_with_the_rest(bot: Bot) -> None:
    person = bot.user(821, "Sokha", "en")
    await onboard(person, "en")
    for _ in range(2):
        await person.send(f"/start {made_up()}")
    await person.send("/mydata")
    assert "Invitations you tried that were not valid: 2" in person.last_text()
    await person.send("/delete")
    await person.click("Yes, erase everything")
    assert await bot.store.rows_about(821) == 0


async def test_old_bad_tries_are_forgotten_by_the_sweep(bot: Bot) -> None:
    """Kept only while they count against guessing: a day later the sweep deletes them."""
    villager = bot.user(4401)
    await onboard(villager)
    await villager.send("/start l_not-a-real-code")
    assert await bot.store.failed_invites_since(villager.id, bot.clock.now() - timedelta(1)) == 1
    await sweep_at(bot, bot.clock.now() + FAILED_INVITE_WINDOW - timedelta(minutes=1))
    assert await bot.store.failed_invites_since(villager.id, bot.clock.now() - timedelta(9)) == 1
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=2))
    assert await bot.store.failed_invites_since(villager.id, bot.clock.now() - timedelta(9)) == 0


async def test_the_saved_draft_keeps_the_invites_hash_never_the_code(bot: Bot) -> None:
    """The draft is written to the database at each step; a code there would be a live invite."""
    payload = await invite_payload(bot)
    code = payload.removeprefix("l_")
    chief = bot.user(5301)
    await chief.send(f"/start {payload}")
    await chief.click("ភាសាខ្មែរ")
    stored = json.dumps(await bot.store.load_drafts())
    assert code not in stored and hash_code(code) in stored
    await bot.restart()  # the draft and the step come back from the database
    await read_consent(bot.user(5301))
    await bot.user(5301).click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    assert await bot.store.led_villages(5301) == [VILLAGE]
    assert code not in json.dumps(await bot.store.load_drafts())


async def test_a_draft_saved_with_the_code_before_the_upgrade_still_works(bot: Bot) -> None:
    code = (await invite_payload(bot)).removeprefix("l_")
    await bot.store.save_draft(5302, {"onboarding": {"leader_invite": code}, "language": "km"})
    # At the consent screen where one agrees (Step.CONSENT_ERASE, the third).
    await bot.store.save_conversation("onboarding", (5302, 5302), 10)
    await bot.restart()
    chief = bot.user(5302)
    screen = bot.telegram.add(ChatMessage(5302, bot.telegram.new_message_id(5302), "…", True))
    await chief.press("onb:consent:yes", screen)
    assert await bot.store.led_villages(5302) == [VILLAGE]
    assert code not in json.dumps(await bot.store.load_drafts())
