"""Private by default: in a group the bot points to the private chat and shows nothing personal.

The staff group is the one exception: alert and notice buttons posted there keep working, each
press checked for the person who pressed it, and /report and /export may be sent there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from preview.botapi import BOT_USER, ChatMessage, chat_json
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, onboard, sent_departure

STAFF_GROUP = -100  # a basic group: it can become a supergroup
OTHER_GROUP = -555
LINK = "https://t.me/safe_migration_test_bot"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    """A bot with one staff member and a staff group."""
    harness = await Bot(tmp_path / "bot.sqlite3").start(
        staff_user_ids=frozenset({STAFF_ID}), staff_chat_id=STAFF_GROUP
    )
    yield harness
    await harness.stop()
    assert harness.telegram.refusals == [], harness.telegram.refusals


async def say_in_group(bot: Bot, person: Person, chat_id: int, text: str) -> None:
    """``person`` writes ``text`` in a group the bot is in (a /command is marked as one)."""
    message: dict[str, Any] = {
        "message_id": bot.telegram.new_message_id(chat_id),
        "date": bot.telegram.timestamp(),
        "chat": chat_json(chat_id),
        "from": person.json,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    await bot.feed({"update_id": bot.next_update_id(), "message": message})


async def press_in_group(bot: Bot, person: Person, chat_id: int, data: str) -> None:
    """``person`` presses a button with ``data`` on a message the bot posted in the group."""
    message = bot.telegram.add(
        ChatMessage(chat_id, bot.telegram.new_message_id(chat_id), "…", True)
    )
    message.reply_markup = {"inline_keyboard": [[{"text": "…", "callback_data": data}]]}
    await bot.feed(bot.telegram.user_press(person.json, message, data))


def membership(
    chat: dict[str, Any], by: Person, new: str, old: str = "left", update_id: int = 0
) -> dict[str, Any]:
    """The ``my_chat_member`` update Telegram sends when the bot is added to or removed from."""
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat,
            "from": by.json,
            "date": 1_772_330_400,
            "old_chat_member": {"user": BOT_USER, "status": old},
            "new_chat_member": {"user": BOT_USER, "status": new},
        },
    }


def posted(bot: Bot, chat_id: int) -> list[ChatMessage]:
    return [m for m in bot.telegram.chats.get(chat_id, []) if m.from_bot]


async def test_start_in_a_group_points_to_the_private_chat_and_shows_no_staff_menu(
    bot: Bot,
) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")

    await say_in_group(bot, staff, OTHER_GROUP, "/start@safe_migration_test_bot")
    await say_in_group(bot, staff, STAFF_GROUP, "/start")

    for group in (OTHER_GROUP, STAFF_GROUP):
        [line] = posted(bot, group)
        assert line.text == (
            "To keep what you tell me private, I answer only in a private chat with you. "
            f"Write to me here: {LINK}"
        )
        assert line.reply_markup is None  # no menu, no Export button
    assert await bot.store.departures_of(STAFF_ID) == []


async def test_every_command_in_a_group_gets_the_same_line_in_the_persons_language(
    bot: Bot,
) -> None:
    villager = bot.user(3001)
    await onboard(villager)
    for command in ("/plan", "/mydata", "/sos", "/help", "/delete", "/menu", "/alerts"):
        await say_in_group(bot, villager, OTHER_GROUP, command)
    lines = [m.text for m in posted(bot, OTHER_GROUP)]
    assert len(lines) == 7
    assert set(lines) == {
        f"ដើម្បីរក្សាការសម្ងាត់របស់អ្នក ខ្ញុំឆ្លើយតែក្នុងការជជែកផ្ទាល់ជាមួយអ្នកប៉ុណ្ណោះ។ សូមសរសេរមកខ្ញុំនៅទីនេះ៖ {LINK}"
    }
    assert await bot.store.open_cases(None) == []  # /sos in a group raised nothing
    assert await bot.store.rows_about(villager.id) > 0  # /delete in a group erased nothing


async def test_group_chatter_and_other_bots_commands_get_no_answer(bot: Bot) -> None:
    villager = bot.user(3002)
    await say_in_group(bot, villager, OTHER_GROUP, "hello everyone")
    await say_in_group(bot, villager, OTHER_GROUP, "/start@some_other_bot")
    await say_in_group(bot, villager, STAFF_GROUP, "who takes the alert from Nesat?")
    assert posted(bot, OTHER_GROUP) == [] and posted(bot, STAFF_GROUP) == []


async def test_a_button_pressed_in_a_group_is_a_pop_up_with_the_link(bot: Bot) -> None:
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    for data in ("leader:export", "menu:home", "privacy:mydata"):
        await press_in_group(bot, staff, OTHER_GROUP, data)
        assert staff.last_alert() == (
            "To keep what you tell me private, I answer only in a private chat with you. "
            f"Write to me here: {LINK}"
        )
    await press_in_group(bot, staff, STAFF_GROUP, "privacy:mydata")
    assert LINK in (staff.last_alert() or "")
    assert [m.text for m in posted(bot, OTHER_GROUP)] == ["…"] * 3  # only the pressed ones
    assert bot.telegram.documents == {}


async def test_export_and_report_go_only_to_a_private_chat_or_the_staff_group(bot: Bot) -> None:
    villager = bot.user(3003)
    await sent_departure(bot, villager, name="Srey Mom")
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")

    await say_in_group(bot, staff, OTHER_GROUP, "/export")
    await say_in_group(bot, staff, OTHER_GROUP, "/report all all")
    assert [m.kind for m in posted(bot, OTHER_GROUP)] == ["text", "text"]
    assert all(LINK in m.text for m in posted(bot, OTHER_GROUP))

    before = len(posted(bot, STAFF_GROUP))  # the departure's notice went there (no leader)
    await say_in_group(bot, staff, STAFF_GROUP, "/export@safe_migration_test_bot")
    [export] = posted(bot, STAFF_GROUP)[before:]
    assert export.kind == "document"
    assert "Srey Mom" in bot.telegram.documents[export.message_id].decode("utf-8-sig")
    await say_in_group(bot, staff, STAFF_GROUP, "/report all all")
    assert [m.kind for m in posted(bot, STAFF_GROUP)][before + 1 :] == ["text", "photo", "document"]

    # A villager in the staff group is told it is for leaders and staff, and gets nothing.
    await say_in_group(bot, villager, STAFF_GROUP, "/export")
    assert posted(bot, STAFF_GROUP)[-1].kind == "text"
    assert len([m for m in posted(bot, STAFF_GROUP) if m.kind == "document"]) == 2


async def test_alert_and_notice_buttons_work_in_the_staff_group_for_those_allowed(
    bot: Bot,
) -> None:
    villager = bot.user(3004)
    departure = await sent_departure(bot, villager)
    await villager.send("/sos")
    [alert] = await bot.store.open_cases(None)
    staff = bot.user(STAFF_ID, "Staff", "en")
    stranger = bot.user(3005, "Stranger", "en")  # a member of the staff group, not staff

    await press_in_group(bot, stranger, STAFF_GROUP, f"al:ack:{alert.alert_id}")
    await press_in_group(bot, stranger, STAFF_GROUP, f"leader:ack:{departure}")
    # (They never chose a language: Khmer, the default.)
    assert stranger.last_alert() == "នេះសម្រាប់តែមេភូមិនៃភូមិនេះ និងបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"
    after = await bot.store.alert(alert.alert_id)
    assert after is not None and after.acknowledged_by is None
    notice = await bot.store.departure(departure)
    assert notice is not None and notice.acknowledged_by is None

    await press_in_group(bot, staff, STAFF_GROUP, f"al:ack:{alert.alert_id}")
    await press_in_group(bot, staff, STAFF_GROUP, f"leader:ack:{departure}")
    await press_in_group(bot, staff, STAFF_GROUP, f"case:close:{alert.alert_id}")
    await press_in_group(bot, staff, STAFF_GROUP, f"case:out:{alert.alert_id}:back_home")
    after = await bot.store.alert(alert.alert_id)
    assert after is not None and after.acknowledged_by == STAFF_ID
    assert after.resolved_at is not None and after.outcome == "back_home"
    notice = await bot.store.departure(departure)
    assert notice is not None and notice.acknowledged_by == STAFF_ID


async def test_added_to_a_group_it_says_why_and_leaves_but_stays_in_the_staff_group(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sokha = bot.user(3006, "Sokha", "en")
    await bot.feed(membership(chat_json(OTHER_GROUP), sokha, "member"))
    [line] = posted(bot, OTHER_GROUP)  # in Khmer: Sokha has not chosen a language
    assert line.text == (
        "ខ្ញុំធ្វើការតែក្នុងការជជែកផ្ទាល់ម្នាក់ទល់ម្នាក់ប៉ុណ្ណោះ ដើម្បីឱ្យអ្វីដែលគេប្រាប់ខ្ញុំ នៅជាការសម្ងាត់។ "
        f"ខ្ញុំសូមចាកចេញពីក្រុមនេះ។ បើចង់និយាយជាមួយខ្ញុំ៖ {LINK}"
    )
    assert bot.telegram.left == [OTHER_GROUP]

    channel = {"id": -1009876543210, "type": "channel", "title": "News"}
    await bot.feed(membership(channel, sokha, "member"))
    assert posted(bot, -1009876543210) == []  # nothing posted to a channel's readers
    assert bot.telegram.left == [OTHER_GROUP, -1009876543210]

    await bot.feed(membership(chat_json(STAFF_GROUP), sokha, "member"))
    await bot.feed(membership(chat_json(STAFF_GROUP), sokha, "left", old="member"))
    assert bot.telegram.left == [OTHER_GROUP, -1009876543210]
    assert posted(bot, STAFF_GROUP) == []
    lines = [r.getMessage() for r in caplog.records if r.name == "conversations.groups"]
    assert lines == [
        f"group_left chat={OTHER_GROUP} type=group by=3006",
        "group_left chat=-1009876543210 type=channel by=3006",
        f"staff_group_joined chat={STAFF_GROUP} by=3006",
        f"staff_group_removed_bot chat={STAFF_GROUP} by=3006",
    ]
    assert "Sokha" not in caplog.text and "News" not in caplog.text  # ids only


async def test_the_staff_group_is_followed_when_it_becomes_a_supergroup(bot: Bot) -> None:
    supergroup = -1000000000100
    bot.telegram.migrated[STAFF_GROUP] = supergroup
    staff = bot.user(STAFF_ID, "Staff", "en")
    await onboard(staff, "en")
    # Telegram adds the bot to the new supergroup, saying nothing of the old id.
    await bot.feed(membership(chat_json(supergroup), staff, "member"))
    assert bot.telegram.left == []
    await say_in_group(bot, staff, supergroup, "/export")
    assert [m.kind for m in posted(bot, supergroup)] == ["document"]
    # The one refusal: asking for the old group is how Telegram tells where it went.
    assert bot.telegram.refusals == [
        ("getChat", "Bad Request: group chat was upgraded to a supergroup chat")
    ]
    bot.telegram.refusals.clear()


async def test_a_case_is_taken_on_and_noted_in_the_staff_group(bot: Bot) -> None:
    """In a group a bot sees only replies to it: a note is a reply to its question."""
    villager = bot.user(3010)
    await sent_departure(bot, villager)
    await villager.send("/sos")
    [case] = await bot.store.open_cases(None)
    staff, stranger = bot.user(STAFF_ID, "Staff", "en"), bot.user(3011, "Stranger", "en")
    copy = next(m for m in posted(bot, STAFF_GROUP) if m.buttons())
    await bot.feed(bot.telegram.user_press(staff.json, copy, f"case:take:{case.alert_id}"))
    await bot.feed(bot.telegram.user_press(staff.json, copy, f"case:note:{case.alert_id}"))
    question = posted(bot, STAFF_GROUP)[-1]
    assert question.text.startswith("✏️ ករណីលេខ")

    def reply(person: Person, text: str) -> dict[str, Any]:
        return {
            "update_id": bot.next_update_id(),
            "message": {
                "message_id": bot.telegram.new_message_id(STAFF_GROUP),
                "date": bot.telegram.timestamp(),
                "chat": chat_json(STAFF_GROUP),
                "from": person.json,
                "text": text,
                "reply_to_message": bot.telegram.message_json(question),
            },
        }

    await bot.feed(reply(stranger, "not staff: not a note"))  # someone else's answer
    await say_in_group(bot, staff, STAFF_GROUP, "chatter, not a reply")
    assert not [e for e in await bot.store.case_events(case.alert_id) if e.kind == "note"]
    await bot.feed(reply(staff, "Called the employer"))
    [note] = [e for e in await bot.store.case_events(case.alert_id) if e.kind == "note"]
    assert note.detail["text"] == "Called the employer" and note.actor_id == STAFF_ID
    assert posted(bot, STAFF_GROUP)[-1].text.startswith("✏️ បានរក្សាទុកកំណត់ចំណាំ")
