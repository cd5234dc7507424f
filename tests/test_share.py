"""Sharing: a personal link; newcomers through it are counted once, never oneself."""

from __future__ import annotations

import re

from tests.support.chat import Bot, Person
from tests.support.journeys import read_consent
from tests.test_onboarding import onboard_in_khmer


async def link_of(person: Person) -> str:
    await person.send("/share")
    match = re.search(
        r"https://t\.me/safe_migration_test_bot\?start=(r_[\w-]+)", person.last_text()
    )
    assert match, person.last_text()
    return match.group(1)


async def onboard_with(person: Person, payload: str) -> None:
    await person.send(f"/start {payload}")
    await person.click("English")
    await read_consent(person, "en")
    await person.click("Yes, I agree")
    await person.click("Botum Sakor")
    await person.click("Kandaol")
    await person.click("Prolean")


async def test_friends_who_join_through_the_link_are_counted(bot: Bot) -> None:
    sharer = bot.user(9201)
    await onboard_in_khmer(sharer)
    payload = await link_of(sharer)
    assert "ចំនួនអ្នកដែលចូលតាមតំណរបស់អ្នក៖ <b>០</b>" in sharer.last_text()
    assert sharer.buttons() == ["📤 ផ្ញើទៅមិត្តភក្តិ", "🏠 ម៉ឺនុយដើម"]

    for friend_id in (9202, 9203):
        await onboard_with(bot.user(friend_id), payload)
    await sharer.send("/share")
    assert "<b>២</b>" in sharer.last_text()
    assert await link_of(sharer) == payload  # the same link every time


async def test_a_friend_is_counted_once_and_never_oneself(bot: Bot) -> None:
    sharer, friend = bot.user(9204), bot.user(9205)
    await onboard_in_khmer(sharer)
    payload = await link_of(sharer)
    await onboard_with(friend, payload)
    await friend.send("/delete")
    await friend.click("Yes, erase everything")
    await friend.send(f"/start {payload}")  # not counted again until they agree again
    assert (await bot.store.learning(9204)).joined_through_me == 0
    await sharer.send(f"/start {payload}")  # already onboarded, and it is their own link
    assert (await bot.store.learning(9204)).joined_through_me == 0


async def test_someone_who_declines_is_not_counted(bot: Bot) -> None:
    sharer, shy = bot.user(9206), bot.user(9207)
    await onboard_in_khmer(sharer)
    payload = await link_of(sharer)
    await shy.send(f"/start {payload}")
    await shy.click("English")
    await read_consent(shy, "en")
    await shy.click("No, thank you")
    assert (await bot.store.learning(9206)).joined_through_me == 0
    assert await bot.store.rows_about(9207) == 0


async def test_a_made_up_code_is_ignored(bot: Bot) -> None:
    person = bot.user(9208)
    await onboard_with(person, "r_madeup-code")
    await onboard_with(bot.user(9209), "r_<script>")
    assert await bot.store.get_user(9208) is not None
    assert await bot.store.get_user(9209) is not None
