"""/mydata shows everything kept about a person; /delete erases all of it."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.message_choices import mydata_part
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, show
from delivery.viewers import departure_lens
from domain.visibility import Viewer
from screens.buttons import keyboard, menu_button
from screens.departure_text import answers_of, summary

log = logging.getLogger(__name__)
PREFIX = "privacy"
DEPARTURES_ROOM = 3000  # characters of departure details; Telegram takes 4,096 in a message
ERASE_YES = f"{PREFIX}:erase:yes"
# Kept rows listed by count on /mydata (profile and learning are shown in detail above them).
ALSO_KEPT = (
    "departures.user_id",
    "checkins.user_id",
    "checkin_problems.user_id",
    "alerts.user_id",
    "returns.user_id",
    "documents.user_id",
    "document_reminders.user_id",
    "broker_reports.reporter_user_id",
    "leaders.user_id",
    "invite_attempts.user_id",
    "departures.acknowledged_by",
    "alerts.acknowledged_by",
    "outbox.user_id",
    "alerts.handler_chat_id",
    "case_events.actor_id",
    "case_prompts.actor_user_id",
    "case_views.viewer_id",
    "family_reports.reporter_user_id",
    "family_reports.relative_id",
    "relinks.made_by",
    "assisted_departures.made_by",
    "refreshers.user_id",
    "announcements.sent_by",
    "voice_answers.user_id",
    "listening.user_id",
    "recording_takes.user_id",
    "recordings.recorded_by",
)


async def _mydata_screen(update: Update, context: BotContext) -> tuple[str, Any]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t, places = context.content.texts, context.content.places
    data = await context.store.personal_data(update.effective_user.id)
    learning = await context.store.learning(update.effective_user.id)
    rows = [[menu_button(context, lang)]]
    counts = await context.store.rows_by_table(update.effective_user.id)
    if sum(counts.values()) == 0:
        return t.get(lang, "mydata.empty"), keyboard(rows)
    lines = [t.get(lang, "mydata.title"), ""]
    profile = data.profile
    if profile is not None:
        not_given = t.raw(lang, "mydata.not_given")
        lines.append(
            t.get(lang, "mydata.language", language=t.raw(profile.language, "language.name"))
        )
        path = places.village_path(profile.village_code) if profile.village_code else None
        if path is None:
            lines.append(t.get(lang, "mydata.village_unlisted"))
        else:
            district, commune, village = (place.name(lang) for place in path)
            lines.append(
                t.get(lang, "mydata.village", village=village, commune=commune, district=district)
            )
        gender = t.raw(lang, f"gender.{profile.gender}") if profile.gender else not_given
        age = t.raw(lang, f"age.{profile.age_band}") if profile.age_band else not_given
        lines.append(t.get(lang, "mydata.gender", gender=gender))
        lines.append(t.get(lang, "mydata.age", age=age))
        agreed = profile.consented_at.astimezone(context.services.config.timezone).date()
        lines.append(t.get(lang, "mydata.agreed", date=format_day(agreed, lang)))
    lessons = len(learning.lessons_finished)
    if lessons:
        total = len(context.content.awareness.lessons)
        lines.append(t.get(lang, "mydata.lessons", count=lessons, total=total))
    if learning.statements:
        lines.append(t.get(lang, "mydata.statements", count=len(learning.statements)))
    if learning.quiz_attempts:
        lines.append(t.get(lang, "mydata.quiz", count=learning.quiz_attempts))
    if learning.referral_code:
        lines.append(t.get(lang, "mydata.invited", count=learning.joined_through_me))
    if profile is not None:  # what they chose about messages, with buttons to change it
        choice_lines, choice_rows = await mydata_part(context, lang, update.effective_user.id)
        lines += choice_lines
        rows = choice_rows + rows
    entry = await context.store.entry_of(update.effective_user.id)
    if entry is not None:
        how = t.raw(lang, f"report.entry.{entry[0]}")
        poster = places.village(entry[1]) if entry[1] else None
        how = f"{how} ({poster.name(lang)})" if poster else how
        lines.append(t.get(lang, "mydata.entry", how=how))
    for table in ALSO_KEPT:
        if counts.get(table):
            lines.append(t.get(lang, f"mydata.kept.{table.replace('.', '_')}", count=counts[table]))
            if table == "departures.user_id":
                lines += await _departure_lines(context, lang, update.effective_user.id)
            if table == "documents.user_id":
                lines += await document_lines(context, lang, update.effective_user.id)
    lines += await _relink_lines(context, lang, update.effective_user.id)
    if data.draft or data.open_conversations:
        lines.append(t.get(lang, "mydata.unfinished"))
    lines += ["", t.get(lang, "mydata.who_sees"), t.get(lang, "mydata.delete_hint")]
    rows.insert(0, [(t.raw(lang, "mydata.delete_button"), f"{PREFIX}:delete")])
    return "\n".join(lines), keyboard(rows)


async def _departure_lines(context: BotContext, lang: str, user_id: int) -> list[str]:
    """Every field kept of each departure the person registered, as their review showed it."""
    t = context.content.texts
    departures = await context.store.departures_of(user_id)
    lines: list[str] = []
    room = DEPARTURES_ROOM
    for n, departure in enumerate(departures):
        status = t.raw(lang, f"mydep.status.{departure.status}")
        title = t.get(lang, "mydata.departure", name=departure.name, status=status)
        lens = departure_lens(departure, Viewer.PERSON)
        block = f"{title}\n{summary(context, lang, answers_of(departure, lens))}"
        if len(block) > room:  # the newest come first; say how many older ones are left out
            lines.append(t.get(lang, "mydata.departures_more", count=len(departures) - n))
            break
        room -= len(block)
        lines += ["", block]
    return [*lines, ""] if lines else lines


async def _relink_lines(context: BotContext, lang: str, user_id: int) -> list[str]:
    """Each move of the record to a new account (a code not used yet is not shown: whoever holds
    the old phone must not learn that one was made)."""
    zone = context.services.config.timezone
    return [
        context.content.texts.get(
            lang, "mydata.relinked", date=format_day(r.used_at.astimezone(zone).date(), lang)
        )
        for r in await context.store.relinks_for_user(user_id)
        if r.used_at is not None
    ]


async def document_lines(context: BotContext, lang: str, user_id: int) -> list[str]:
    """Each paper's date kept, by trip (the newest first)."""
    t = context.content.texts
    lines: list[str] = []
    for document in await context.store.documents_of_user(user_id):
        day = (
            format_day(document.expires_on, lang)
            if document.expires_on
            else t.raw(lang, "documents.unknown")
        )
        paper = t.raw(lang, f"documents.kind.{document.kind}")
        lines.append(t.get(lang, "documents.mydata_line", paper=paper, date=day))
    return lines


async def open_mydata(update: Update, context: BotContext) -> None:
    """Shows everything the bot keeps about the person: in place of the pressed screen, or as
    a new message after /mydata."""
    await answer(update)
    text, markup = await _mydata_screen(update, context)
    await show(update, text, markup)


async def _confirm_screen(update: Update, context: BotContext) -> tuple[str, Any]:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    if await context.store.rows_about(update.effective_user.id) == 0:
        return t.get(lang, "delete.nothing"), keyboard([[menu_button(context, lang)]])
    return t.get(lang, "delete.confirm"), keyboard(
        [
            [(t.raw(lang, "delete.yes"), ERASE_YES)],
            [(t.raw(lang, "delete.no"), f"{PREFIX}:erase:no")],
        ]
    )


async def open_delete(update: Update, context: BotContext) -> None:
    """Asks whether to erase everything: in place of the pressed screen, or as a new message
    after /delete."""
    await answer(update)
    text, markup = await _confirm_screen(update, context)
    await show(update, text, markup)


async def erase(update: Update, context: BotContext) -> int:
    """Erases every row, draft and conversation state about the person."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    lang = await language_of(update, context)  # before erasing: afterwards it is gone
    await context.store.erase_user(user_id)
    # Forget the in-memory draft too; the persistence drops its row on the next flush.
    context.application.drop_user_data(user_id)
    log.info("user_erased user=%s", user_id)
    await answer(update)
    await show(update, context.content.texts.get(lang, "delete.done"))
    # Returned to a ConversationHandler (as a fallback) this ends the conversation in memory.
    return ConversationHandler.END


async def keep(update: Update, context: BotContext) -> None:
    """Leaves everything as it was."""
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    await show(update, t.get(lang, "delete.kept"), keyboard([[menu_button(context, lang)]]))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("mydata", open_mydata, filters=PRIVATE_MESSAGE),
        CommandHandler("delete", open_delete, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(open_mydata, pattern=rf"^{PREFIX}:mydata$"),
        CallbackQueryHandler(open_delete, pattern=rf"^{PREFIX}:delete$"),
        CallbackQueryHandler(erase, pattern=rf"^{PREFIX}:erase:yes$"),
        CallbackQueryHandler(keep, pattern=rf"^{PREFIX}:erase:no$"),
    ]
