"""The share card: /share also sends the invitation as a picture whose QR code a friend scans
from the sharer's screen; a friend who joins is counted once and the sharer is told, without
the friend's name."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.chat import Bot, Person
from tests.support.journeys import read_consent
from tests.support.qr import qr_links_in_png
from tests.test_onboarding import onboard_in_khmer
from tests.test_share import onboard_with

FRIEND_JOINED = "🎉 អ្នកម្នាក់ទៀតដែលអ្នកបានប្រាប់ កំពុងប្រើបូតនេះ។ អរគុណ!"


def card_of(bot: Bot, person: Person) -> bytes:
    photos = [m for m in bot.telegram.chats[person.id] if m.kind == "photo"]
    assert photos, "no picture was sent"
    assert photos[-1].caption == "មិត្តភក្តិអាចស្កេនរូបនេះ ពីអេក្រង់ទូរស័ព្ទរបស់អ្នក។"
    assert photos[-1].file_id is not None
    return bot.telegram.files[photos[-1].file_id].content


async def test_share_sends_a_card_whose_qr_is_the_persons_link(bot: Bot) -> None:
    sharer = bot.user(9301)
    await onboard_in_khmer(sharer)
    await sharer.send("/share")
    match = re.search(r"https://t\.me/safe_migration_test_bot\?start=r_[\w-]+", sharer.last_text())
    assert match
    assert qr_links_in_png(card_of(bot, sharer)) == [match.group(0)]
    assert sharer.buttons() == ["📤 ផ្ញើទៅមិត្តភក្តិ", "🏠 ម៉ឺនុយដើម"]  # the screen keeps its buttons


async def test_the_menus_share_button_sends_the_card_too(bot: Bot) -> None:
    sharer = bot.user(9302)
    await onboard_in_khmer(sharer)
    await sharer.send("/menu")
    await sharer.press("share:open")
    assert "ប្រាប់មិត្តភក្តិ" in sharer.last_text()
    [link] = qr_links_in_png(card_of(bot, sharer))
    assert link in sharer.last_text()


async def test_the_sharer_is_told_once_when_a_friend_joins_and_never_who(bot: Bot) -> None:
    sharer = bot.user(9303)
    await onboard_in_khmer(sharer)
    await sharer.send("/share")
    [link] = qr_links_in_png(card_of(bot, sharer))
    payload = link.rsplit("=", 1)[1]
    sharer.new_texts()

    friend = bot.user(9304, first_name="Chenda")
    await onboard_with(friend, payload)  # she scanned the card
    news = sharer.new_texts()
    assert news == [FRIEND_JOINED]
    assert "Chenda" not in news[0] and "9304" not in news[0]
    assert (await bot.store.learning(9303)).joined_through_me == 1

    # She erases herself and joins again through the same card: no second news.
    await friend.send("/delete")
    await friend.click("Yes, erase everything")
    await onboard_with(friend, payload)
    assert FRIEND_JOINED not in sharer.new_texts()

    # Declining, one's own card and a made-up code tell the sharer nothing.
    shy = bot.user(9305)
    await shy.send(f"/start {payload}")
    await shy.click("English")
    await read_consent(shy, "en")
    await shy.click("No, thank you")
    await sharer.send(f"/start {payload}")
    await onboard_with(bot.user(9306), "r_madeup-code")
    assert FRIEND_JOINED not in sharer.new_texts()
    assert await bot.store.entry_of(9304) == ("share", None)


async def test_a_sharer_who_blocked_the_bot_does_not_hold_up_the_friend(tmp_path: Path) -> None:
    harness = await Bot(tmp_path / "blocked.sqlite3").start()
    try:
        sharer, friend = harness.user(9307), harness.user(9308)
        await onboard_in_khmer(sharer)
        await sharer.send("/share")
        [link] = qr_links_in_png(card_of(harness, sharer))
        harness.telegram.blocked.add(9307)
        await onboard_with(friend, link.rsplit("=", 1)[1])
        assert "Are you a woman or a man?" in friend.last_text()  # her onboarding goes on
        assert (await harness.store.learning(9307)).joined_through_me == 1
        [row] = await harness.store.outbox_rows([1])
        assert (row.status, row.chat_id) == ("failed", 9307)  # tried once, not again and again
    finally:
        await harness.stop()
