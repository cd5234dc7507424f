"""A form left half-way is erased after privacy.draft_ttl (14 days); the person is told once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.config import ConfigError, load_config
from tests.support.chat import Bot
from tests.support.journeys import onboard, sweep_at

KM_NOTICE = (
    "យើងបានលុបចម្លើយដែលអ្នកឆ្លើយមិនទាន់ចប់ ព្រោះអ្នកមិនបានឆ្លើយអស់ ១៤ ថ្ងៃ។ "
    "យើងមិនទុកអ្វីដែលអ្នកបានសរសេរទេ។ អ្នកអាចចាប់ផ្ដើមម្ដងទៀតពីម៉ឺនុយ ពេលណាក៏បាន។"
)


async def kept(bot: Bot, user_id: int) -> str:
    """Everything the database holds of this person's drafts and conversation states."""
    drafts = (await bot.store.load_drafts()).get(user_id)
    states = {
        name: await bot.store.load_conversations(name)
        for name in ("onboarding", "departure", "calculator")
    }
    mine = {n: [k for k in s if user_id in k] for n, s in states.items()}
    return json.dumps({"draft": drafts, "states": mine}, ensure_ascii=False)


async def test_an_abandoned_plan_is_erased_after_14_days_and_the_person_told_once(
    bot: Bot,
) -> None:
    villager = bot.user(6001)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("សមាជិកគ្រួសារខ្ញុំ")
    await villager.send("Srey Mom")  # a relative's name, then nothing more
    assert "Srey Mom" in await kept(bot, villager.id)
    start = bot.clock.now()

    await sweep_at(bot, start + timedelta(days=13))
    assert "Srey Mom" in await kept(bot, villager.id)  # not yet

    await bot.restart()  # what was kept comes back from the database, and still expires
    await sweep_at(bot, start + timedelta(days=14, minutes=1))
    assert json.loads(await kept(bot, villager.id)) == {
        "draft": {"draft_expired": 14},  # only how long it waited
        "states": {"onboarding": [], "departure": [], "calculator": []},
    }

    villager = bot.user(6001)
    villager.new_texts()
    await villager.send("ស្រី")  # the next answer of the form that is no longer there
    notice, answer = villager.new_texts()
    assert notice == KM_NOTICE
    assert "សូមទោស ខ្ញុំមិនយល់ទេ" in answer  # answered as any message outside a form
    await villager.send("/plan")
    assert KM_NOTICE not in villager.new_texts()  # told once
    assert await bot.store.departures_of(villager.id) == []


async def test_the_mark_goes_too_when_the_person_never_comes_back(bot: Bot) -> None:
    villager = bot.user(6002)
    await onboard(villager)
    await villager.send("/calc")
    start = bot.clock.now()
    await sweep_at(bot, start + timedelta(days=15))
    assert (await bot.store.load_drafts())[villager.id] == {"draft_expired": 14}
    await sweep_at(bot, start + timedelta(days=30))
    assert villager.id not in await bot.store.load_drafts()
    counts = await bot.store.rows_by_table(villager.id)
    assert counts["drafts.user_id"] == counts["conversations.user_id"] == 0


async def test_a_language_chosen_before_onboarding_goes_without_a_word(bot: Bot) -> None:
    stranger = bot.user(6003, "Dara", "en")
    await stranger.send("/language")
    await stranger.click("English")
    assert (await bot.store.load_drafts())[stranger.id] == {"language": "en"}
    await sweep_at(bot, bot.clock.now() + timedelta(days=14, hours=1))
    assert stranger.id not in await bot.store.load_drafts()
    stranger.new_texts()
    await stranger.send("/about")
    assert KM_NOTICE not in stranger.new_texts()


async def test_a_form_in_use_is_kept(bot: Bot) -> None:
    villager = bot.user(6004)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("សមាជិកគ្រួសារខ្ញុំ")
    await sweep_at(bot, bot.clock.now() + timedelta(days=10))
    await villager.send("Srey Mom")  # ten days later, the form goes on
    await sweep_at(bot, bot.clock.now() + timedelta(days=10))
    assert "Srey Mom" in await kept(bot, villager.id)
    await villager.click("ស្ត្រី")  # and it still works
    assert "Srey Mom" in await kept(bot, villager.id)


def test_the_time_is_a_setting(tmp_path: Path) -> None:
    assert load_config(None, environ={}).draft_ttl == timedelta(days=14)
    settings = tmp_path / "config.yaml"
    settings.write_text('privacy: {draft_ttl: "36h"}\n', encoding="utf-8")
    assert load_config(settings, environ={}).draft_ttl == timedelta(hours=36)
    settings.write_text('privacy: {draft_ttl: "soon"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"privacy\.draft_ttl"):
        load_config(settings, environ={})


async def test_someone_who_just_wrote_is_not_idle_even_if_nothing_was_saved(bot: Bot) -> None:
    """A sticker changes nothing in the form, so nothing newer is written: the person is back
    all the same, and their form is not erased under them."""
    villager = bot.user(6009)
    await onboard(villager)
    await villager.send("/plan")
    await villager.click("សមាជិកគ្រួសារខ្ញុំ")
    await villager.send("Srey Mom")
    bot.clock.advance(timedelta(days=14, minutes=1))
    await villager.send_sticker()  # answered with what the question wants; nothing changes
    await sweep_at(bot, bot.clock.now() + timedelta(minutes=1))
    assert "Srey Mom" in await kept(bot, villager.id)
    villager.new_texts()
    await villager.click("ស្ត្រី")  # the form goes on
    assert KM_NOTICE not in villager.new_texts()
