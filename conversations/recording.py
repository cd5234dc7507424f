"""/record (staff only): the programme records its own Khmer voice for the screens, in Telegram.

    /record → a section → an item (its exact Khmer text) → a voice message or audio file →
    played back → keep | record again | cancel
    /record → ⏭ next not yet recorded → its text → voice → keep → the next one's text → …

"Next not yet recorded" walks the items in the order of content/recordable.py (the journeys,
most important first): after each keep the next item without a current recording is shown at
once, so one staff member records everything in a sitting by reading and sending voice
messages, with ⏭ to pass over one.

The take waits in the database (``recording_takes``), so a restart between the voice message and
"keep" loses nothing. Every press is checked again: only staff may record. A kept recording keeps
its bytes and the hash of the text that was read, so a changed text shows it is out of date.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.recordable import SECTIONS, Recordable
from conversations.listening import play
from conversations.media_input import seconds_of
from conversations.roles import is_staff
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from domain.coverage import Coverage, coverage
from screens.buttons import Button, column, keyboard
from screens.listen_button import items
from storage.recordings import Take

log = logging.getLogger(__name__)
PREFIX = "rec"
MAX_BYTES = 10 * 1024 * 1024  # a spoken screen is well under 1 MB; Telegram lets bots fetch 20
AUDIO_TYPES = ("audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/m4a")
TITLE_ROOM = 40  # characters of an item's name on its button
MARKS = {"current": "✅", "outdated": "⚠️", "missing": "⭕"}


async def _coverage(context: BotContext) -> Coverage:
    infos = await context.store.recording_infos()
    return coverage(
        {i.item_id: i.text_hash for i in items(context).values()},
        {i.item_id: i.text_hash for i in infos.values()},
    )


def _section_items(context: BotContext, section: str) -> list[Recordable]:
    return [item for item in items(context).values() if item.section == section]


def _next_missing(context: BotContext, cover: Coverage, after: str = "") -> Recordable | None:
    """The first item without a current recording, in recording order, after ``after`` (then
    from the start again, so one passed over comes back at the end)."""
    ordered = list(items(context).values())
    ids = [item.item_id for item in ordered]
    start = ids.index(after) + 1 if after in ids else 0
    return next(
        (i for i in ordered[start:] + ordered[:start] if cover.state(i.item_id) != "current"),
        None,
    )


async def _refused(update: Update, context: BotContext) -> bool:
    """True (and says so) when the person is not staff: only staff record."""
    assert update.effective_user is not None
    if is_staff(context, update.effective_user.id):
        return False
    lang = await language_of(update, context)
    t = context.content.texts
    log.warning("forged_press user=%s action=record", update.effective_user.id)
    if update.callback_query is not None:
        await answer(update, t.plain(lang, "staff.only_staff"))
    else:
        await send(update, t.get(lang, "staff.only_staff"))
    return True


# -- screens ----------------------------------------------------------------------------------


async def _home(context: BotContext, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    cover = await _coverage(context)
    rows: list[list[Button]] = []
    if _next_missing(context, cover) is not None:
        rows.append([(t.raw(lang, "media.next_missing"), f"{PREFIX}:n")])
    for section in SECTIONS:
        ids = [item.item_id for item in _section_items(context, section)]
        done = sum(cover.state(i) == "current" for i in ids)
        name = t.raw(lang, f"media.section.{section}")
        label = t.plain(lang, "media.section_button", name=name, done=done, count=len(ids))
        rows.append([(label, f"{PREFIX}:s:{section}")])
    text = "\n\n".join([t.get(lang, "media.record_intro"), _summary(context, lang, cover)])
    return text, keyboard(rows)


async def recording_lines(context: BotContext, lang: str) -> list[str]:
    """For /status: how many items have a Khmer recording, and which are out of date."""
    t = context.content.texts
    cover = await _coverage(context)
    lines = [_summary(context, lang, cover)]
    if cover.outdated:
        lines.append(t.get(lang, "media.outdated_list", items=", ".join(cover.outdated[:10])))
    return lines


def _summary(context: BotContext, lang: str, cover: Coverage) -> str:
    t = context.content.texts
    lines = [t.get(lang, "media.coverage", recorded=cover.recorded, total=cover.total)]
    if cover.outdated:
        lines.append(t.get(lang, "media.coverage_outdated", count=len(cover.outdated)))
    return "\n".join(lines)


async def _section(
    context: BotContext, lang: str, section: str
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    cover = await _coverage(context)
    buttons: list[Button] = []
    for item in _section_items(context, section):
        title = item.title if len(item.title) <= TITLE_ROOM else f"{item.title[:TITLE_ROOM]}…"
        buttons.append(
            (f"{MARKS[cover.state(item.item_id)]} {title}", f"{PREFIX}:i:{item.item_id}")
        )
    rows = column(buttons)
    rows.append([(t.raw(lang, "media.all_sections"), f"{PREFIX}:home")])
    name = t.raw(lang, f"media.section.{section}")
    return t.get(lang, "media.section_intro", section=name), keyboard(rows)


async def _read_screen(
    context: BotContext, lang: str, item: Recordable
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.content.texts
    state = (await _coverage(context)).state(item.item_id)
    text = t.get(
        lang,
        "media.read_this",
        title=item.title,
        text=item.text,
        state=t.raw(lang, f"media.state.{state}"),
    )
    rows: list[list[Button]] = []
    if state != "missing":
        rows.append([(t.raw(lang, "media.play_kept"), f"{PREFIX}:p:{item.item_id}")])
    rows.append([(t.raw(lang, "media.next_missing"), f"{PREFIX}:n:{item.item_id}")])
    rows.append([(t.raw(lang, "media.back_to_section"), f"{PREFIX}:s:{item.section}")])
    return text, keyboard(rows)


def _take_buttons(context: BotContext, lang: str, item_id: str) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [
            [(t.raw(lang, "media.keep"), f"{PREFIX}:k:{item_id}")],
            [(t.raw(lang, "media.again"), f"{PREFIX}:a:{item_id}")],
            [(t.raw(lang, "media.cancel"), f"{PREFIX}:x")],
        ]
    )


# -- steps ------------------------------------------------------------------------------------


async def record_command(update: Update, context: BotContext) -> None:
    """Lists the sections to record, with how much of each is recorded."""
    if await _refused(update, context):
        return
    await send(update, *await _home(context, await language_of(update, context)))


async def press(update: Update, context: BotContext) -> None:
    """Every /record button: re-checked for staff, then the screen it asks for."""
    assert update.callback_query is not None and update.effective_user is not None
    if await _refused(update, context):
        return
    lang = await language_of(update, context)
    t = context.content.texts
    parts = (update.callback_query.data or "").split(":", 2)
    action, value = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    item = items(context).get(value)
    user_id = update.effective_user.id
    if action == "home":
        await answer(update)
        await show(update, *await _home(context, lang))
    elif action == "s" and value in SECTIONS:
        await context.store.drop_take(user_id)
        await answer(update)
        await show(update, *await _section(context, lang, value))
    elif action in ("i", "a") and item is not None:
        await context.store.start_take(user_id, item.item_id, item.text_hash)
        await answer(update)
        await show(update, *await _read_screen(context, lang, item))
    elif action == "n":  # the next not yet recorded (after ``value``, the one passed over)
        following = _next_missing(context, await _coverage(context), value)
        if following is None:  # said in a pop-up: the screen under it may already be the list
            await context.store.drop_take(user_id)
            await answer(update, t.plain(lang, "media.all_recorded"))
            return
        await context.store.start_take(user_id, following.item_id, following.text_hash)
        await answer(update)
        await show(update, *await _read_screen(context, lang, following))
    elif action == "p" and item is not None:
        await answer(update)
        await play(context, user_id, item.item_id)
    elif action == "k" and item is not None:
        await keep(update, context, item)
    elif action == "x":
        await context.store.drop_take(user_id)
        await answer(update)
        await show(update, *await _home(context, lang))
    else:
        await answer(update, t.plain(lang, "input.button_expired"))


async def keep(update: Update, context: BotContext, item: Recordable) -> None:
    """Keeps the take as the item's recording and shows the next item not yet recorded, ready
    for its voice message (the take is started: staff read and send, nothing to tap)."""
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    user_id = update.effective_user.id
    if not await context.store.keep_take(user_id, item.item_id, context.bot.id):
        await answer(update, t.plain(lang, "input.button_expired"))
        return
    log.info("recording_kept item=%s by=%s", item.item_id, user_id)
    await answer(update)
    cover = await _coverage(context)
    kept = [t.get(lang, "media.kept", title=item.title), _summary(context, lang, cover)]
    following = _next_missing(context, cover, item.item_id)
    if following is None:
        rows: list[list[Button]] = [[(t.raw(lang, "media.all_sections"), f"{PREFIX}:home")]]
        text = "\n\n".join([*kept, t.get(lang, "media.all_recorded")])
        await send(update, text, keyboard(rows))
        return
    await context.store.start_take(user_id, following.item_id, following.text_hash)
    screen, markup = await _read_screen(context, lang, following)
    # The played-back take is a voice message, whose caption cannot hold this: a new message.
    await send(update, "\n\n".join([*kept, screen]), markup)


async def receive(update: Update, context: BotContext, take: Take) -> None:
    """Takes a voice message or audio file for the item being recorded and plays it back."""
    assert update.message is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    item = items(context).get(take.item_id)
    message = update.message
    media = message.voice or message.audio
    if item is None or media is None:
        await context.store.drop_take(update.effective_user.id)
        await send(update, t.get(lang, "input.button_expired"))
        return
    mime = media.mime_type or "audio/ogg"
    if mime not in AUDIO_TYPES:
        await send(update, t.get(lang, "media.wrong_type"))
        return
    if (media.file_size or 0) > MAX_BYTES:
        await send(update, t.get(lang, "media.too_big", megabytes=MAX_BYTES // (1024 * 1024)))
        return
    try:
        audio = bytes(await (await media.get_file()).download_as_bytearray())
    except TelegramError as error:
        log.warning(
            "recording_download_failed item=%s error=%s", item.item_id, type(error).__name__
        )
        await send(update, t.get(lang, "media.download_failed"))
        return
    if not audio or len(audio) > MAX_BYTES:
        await send(update, t.get(lang, "media.too_big", megabytes=MAX_BYTES // (1024 * 1024)))
        return
    duration = seconds_of(media)
    await context.store.fill_take(update.effective_user.id, item.item_id, audio, mime, duration)
    log.info("recording_take item=%s bytes=%s", item.item_id, len(audio))
    caption = t.get(lang, "media.take_caption", title=item.title)
    try:
        # Played back from the bytes the bot kept, so staff hear exactly what will be kept.
        played = await context.bot.send_voice(
            update.effective_user.id,
            InputFile(audio, filename=f"{item.item_id}.ogg"),
            caption=caption,
            duration=duration,
            reply_markup=_take_buttons(context, lang, item.item_id),
        )
    except TelegramError as error:
        log.warning(
            "recording_playback_failed item=%s error=%s", item.item_id, type(error).__name__
        )
        await send(
            update, t.get(lang, "media.take_unplayed"), _take_buttons(context, lang, item.item_id)
        )
        return
    if played.voice is not None:
        await context.store.take_played(update.effective_user.id, played.voice.file_id)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("record", record_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(press, pattern=rf"^{PREFIX}:"),
    ]
