"""Cases, for those who handle them: take one on, add notes, hand it on, close it, /cases.

Every press is checked again here: only the leaders of the case's village and staff may act on
it, whatever the button says. A note is a reply to the bot's question (in a staff group the bot
sees only replies to it), typed or spoken, kept with the case's history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from content.formatting import format_day
from conversations.alerts import country_of
from conversations.listening import show_voiced
from conversations.missing import relative_message
from conversations.roles import may_act_for, responder_name, villages_in_scope
from conversations.ui import answer, language_of, send
from delivery.case_copies import refresh_case_copies
from delivery.case_texts import (
    CASE_PREFIX,
    FEEDBACK,
    case_buttons,
    case_card,
    closed_buttons,
    organisation_name,
    outcome_rows,
)
from delivery.cases import person_closed, person_taken, reopened_copies, take_on_window
from delivery.drainer import drain_group
from delivery.recipients import name_for_person
from delivery.texts import ALERT_PREFIX
from delivery.viewers import case_lens, viewer_of
from domain.report import OUTCOMES
from domain.visibility import Lens, Piece, Viewer
from screens.buttons import keyboard
from storage.rows import Alert, CaseEvent

log = logging.getLogger(__name__)
NOTE_MAX = 1500  # characters: a note is a line or two for the next person, not a report
LIST_MAX = 10  # cases shown by /cases at once (oldest first)
VOICE_NOTES_PLAYED = 5  # the newest spoken notes sent after a case's history
ACTIONS = ("take", "note", "hand", "close", "hist", "back")
# Presses on copies sent before cases existed: "I'm on it" takes the case on, "Sorted" closes.
LEGACY = {"ack": "take", "done": "close"}


async def _allowed_alert(update: Update, context: BotContext, alert_id: int) -> Alert | None:
    """The case, if the presser may act on it: a chief of its village or staff, and one the
    policy lets them follow (not a record only staff may know of)."""
    assert update.effective_user is not None
    alert = await context.store.alert(alert_id)
    allowed = alert is not None and await may_act_for(
        context, update.effective_user.id, alert.village_code
    )
    if alert is not None and allowed:
        lens = await case_lens(context, alert, await _viewer(update, context, alert))
        allowed = lens.shows(Piece.HISTORY)
    if alert is None or not allowed:
        log.warning("forged_press user=%s action=case", update.effective_user.id)
        return None
    return alert


async def _viewer(update: Update, context: BotContext, alert: Alert) -> Viewer:
    """The presser, seen from the case (a chief of its village, staff, …)."""
    assert update.effective_user is not None
    return await viewer_of(
        context, update.effective_user.id, alert.village_code, owner=alert.user_id
    )


def _parts(update: Update) -> list[str]:
    assert update.callback_query is not None
    return (update.callback_query.data or "").split(":")


def _case_id(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


async def _pressed_choice(
    update: Update, context: BotContext, choices: Collection[str]
) -> tuple[Alert, str] | None:
    """The case and the choice a ``case:<step>:<id>:<choice>`` press names, when the presser
    may act on that case and the choice is one offered; else the press is refused (None)."""
    parts = _parts(update)
    alert_id = _case_id(parts[2]) if len(parts) == 4 else None
    alert = await _allowed_alert(update, context, alert_id) if alert_id else None
    if alert is None or parts[3] not in choices:
        lang = await language_of(update, context)
        await answer(update, context.content.texts.plain(lang, "input.not_allowed"))
        return None
    return alert, parts[3]


async def _own_case(
    update: Update, context: BotContext, action: str, choices: Collection[str] | None = None
) -> Alert | None:
    """The presser's own case a press names (``case:<step>:<id>``, or with ``choices``
    ``case:<step>:<id>:<choice>`` and a choice offered); else the press is logged as forged and
    refused (None). These are the person's buttons under "your case was closed"."""
    assert update.effective_user is not None
    parts = _parts(update)
    fits = len(parts) == 3 if choices is None else len(parts) == 4 and parts[3] in choices
    alert_id = _case_id(parts[2]) if fits else None
    alert = await context.store.alert(alert_id) if alert_id else None
    if alert is None or alert.user_id != update.effective_user.id:
        log.warning("forged_press user=%s action=%s", update.effective_user.id, action)
        lang = await language_of(update, context)
        await answer(update, context.content.texts.plain(lang, "input.not_allowed"))
        return None
    return alert


async def _name(update: Update, context: BotContext, alert: Alert) -> str:
    user = update.effective_user
    assert user is not None
    return await responder_name(context, user.id, alert.village_code, user.full_name)


async def press(update: Update, context: BotContext) -> None:
    """A button on a case: take on, note, hand on, close, history, back."""
    assert update.callback_query is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    parts = _parts(update)
    action = LEGACY.get(parts[1], parts[1]) if len(parts) == 3 else None
    alert_id = _case_id(parts[2]) if len(parts) == 3 else None
    alert = await _allowed_alert(update, context, alert_id) if alert_id else None
    if alert is None or action not in ACTIONS:
        await answer(update, t.plain(lang, "input.not_allowed"))
        return
    if action == "hist":
        await answer(update)
        await context.store.record_view(update.effective_user.id, "history", alert_id=alert_id)
        lens = await case_lens(context, alert, await _viewer(update, context, alert))
        for part in await history_text(context, lang, alert, lens):
            await send(update, part)
        if lens.shows(Piece.NOTES):
            await _play_voice_notes(update, context, lang, alert)
        return
    if alert.resolved_at is not None:
        await answer(update, t.plain(lang, "case.already_closed"))
        await _show_card(update, context, alert)
        return
    if action == "take":
        await _take(update, context, alert)
    elif action == "note":
        await answer(update)
        await ask_note(update, context, alert)
    elif action == "hand":
        await answer(update)
        await _edit_markup(update, await _hand_buttons(context, lang, alert))
    elif action == "close":
        await answer(update)
        await _edit_markup(update, keyboard(outcome_rows(context, lang, alert.alert_id)))
    else:
        await answer(update)
        await _edit_markup(update, case_buttons(context, lang, alert))


async def _play_voice_notes(update: Update, context: BotContext, lang: str, alert: Alert) -> None:
    """The spoken notes after the history, newest last (the same bot sends them on by id)."""
    chat = update.effective_chat
    if chat is None:
        return
    t = context.content.texts
    notes = [e for e in await context.store.case_events(alert.alert_id) if "voice" in e.detail]
    for event in notes[-VOICE_NOTES_PLAYED:]:
        name = str(event.detail.get("name") or t.raw(lang, "case.someone"))
        try:
            await chat.send_voice(
                str(event.detail["voice"]),
                caption=t.plain(lang, "case.event.note_voice", name=name),
            )
        except TelegramError as error:  # gone from Telegram: the history line still says so
            log.info("case_voice_note_not_played error=%s", type(error).__name__)


async def _take(update: Update, context: BotContext, alert: Alert) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    lang = await language_of(update, context)
    t = context.content.texts
    name = await _name(update, context, alert)
    taken = await context.store.take_case(
        alert.alert_id,
        update.effective_user.id,
        chat_id=update.effective_chat.id,
        name=name,
        note_due_at=context.clock.now() + context.services.config.case_note_after,
        messages=person_taken(alert, await name_for_person(context, alert.user_id, name)),
    )
    if not taken:
        await answer(update, t.plain(lang, "case.already_taken"))
        await _show_card(update, context, alert)
        return
    await answer(update, t.plain(lang, "case.taken_toast"))
    log.info("case_taken alert=%s by=%s", alert.alert_id, update.effective_user.id)
    await refresh_copies(update, context, alert.alert_id)
    await drain_group(context, f"alert:{alert.alert_id}:seen")


async def ask_note(update: Update, context: BotContext, alert: Alert) -> None:
    """Asks for a note as a reply to the bot's question (a reply reaches the bot anywhere)."""
    assert update.effective_chat is not None and update.effective_user is not None
    lang = await language_of(update, context)
    t = context.content.texts
    try:
        question = await update.effective_chat.send_message(
            t.get(lang, "case.note_ask", number=alert.alert_id),
            reply_markup=ForceReply(selective=True),
        )
    except TelegramError as error:
        log.info("case_note_ask_failed error=%s", type(error).__name__)
        return
    await context.store.add_case_prompt(
        update.effective_chat.id,
        question.message_id,
        alert.alert_id,
        update.effective_user.id,
        "note",
    )


async def note_reply(update: Update, context: BotContext) -> None:
    """A reply to "add a note": kept with the case (text or voice); other replies pass on."""
    message = update.message
    if message is None or message.reply_to_message is None or update.effective_user is None:
        return
    asked = await context.store.case_prompt(message.chat_id, message.reply_to_message.message_id)
    if asked is None or asked[1] != update.effective_user.id:
        if message.chat.type != "private":
            raise ApplicationHandlerStop  # other talk in the staff group is not for the bot
        return  # not an answer to our question, or someone else's: the other handlers decide
    if asked[2].startswith("relative:"):  # a relative's words for their family (/missing)
        if await relative_message(update, context, int(asked[2].removeprefix("relative:"))):
            await context.store.drop_case_prompt(
                message.chat_id, message.reply_to_message.message_id
            )
        raise ApplicationHandlerStop
    alert_id = asked[0]
    lang = await language_of(update, context)
    t = context.content.texts
    alert = await _allowed_alert(update, context, alert_id)
    note = _note_of(message)
    if alert is None:
        await message.reply_text(t.get(lang, "input.not_allowed"))
    elif note is None:
        await message.reply_text(t.get(lang, "case.note_type", max=NOTE_MAX))
    elif "text" in note and len(note["text"]) > NOTE_MAX:
        await message.reply_text(t.get(lang, "case.note_too_long", max=NOTE_MAX))
    else:
        name = await _name(update, context, alert)
        next_due = context.clock.now() + context.services.config.case_note_after
        if await context.store.add_case_note(
            alert_id, update.effective_user.id, name=name, note=note, next_due=next_due
        ):
            await context.store.drop_case_prompt(
                message.chat_id, message.reply_to_message.message_id
            )
            log.info("case_note alert=%s by=%s", alert_id, update.effective_user.id)
            await message.reply_text(t.get(lang, "case.note_kept", number=alert_id))
            await refresh_copies(update, context, alert_id)
        else:
            await message.reply_text(t.get(lang, "case.already_closed"))
    raise ApplicationHandlerStop  # the note is not also a message for a form or the menu


def _note_of(message: Message) -> dict[str, str] | None:
    if message.voice is not None:
        return {"voice": message.voice.file_id}
    if message.text and not message.text.startswith("/"):
        return {"text": message.text.strip()}
    return None


async def _hand_buttons(context: BotContext, lang: str, alert: Alert) -> Any:
    """The organisations of contacts.yaml that fit where the person is, and "other"."""
    t = context.content.texts
    departure = await context.store.departure(alert.departure_id) if alert.departure_id else None
    country = country_of(departure.destination if departure else None)
    contacts = [c for c in context.content.contacts.contacts if c.country in ("KH", country)]
    rows = [[(c.names[lang], f"{CASE_PREFIX}:to:{alert.alert_id}:{c.id}")] for c in contacts]
    rows.append([(t.raw(lang, "case.org_other"), f"{CASE_PREFIX}:to:{alert.alert_id}:other")])
    rows.append([(t.raw(lang, "case.back"), f"{CASE_PREFIX}:back:{alert.alert_id}")])
    return keyboard(rows)


async def hand(update: Update, context: BotContext) -> None:
    """An organisation picked: the case is marked handed to it."""
    assert update.effective_user is not None
    known = {c.id for c in context.content.contacts.contacts} | {"other"}
    pressed = await _pressed_choice(update, context, known)
    if pressed is None:
        return
    alert, org = pressed
    name = await _name(update, context, alert)
    lang = await language_of(update, context)
    t = context.content.texts
    if not await context.store.hand_case(
        alert.alert_id, update.effective_user.id, name=name, to=org
    ):
        await answer(update, t.plain(lang, "case.already_closed"))
        return
    await answer(
        update, t.plain(lang, "case.handed_toast", org=organisation_name(context, lang, org))
    )
    log.info("case_handed alert=%s by=%s", alert.alert_id, update.effective_user.id)
    await refresh_copies(update, context, alert.alert_id)
    if org == "other":  # which organisation, in their words
        await ask_note(update, context, alert)


async def close(update: Update, context: BotContext) -> None:
    """An outcome picked: the case is closed and the person told, neutrally."""
    assert update.effective_user is not None
    pressed = await _pressed_choice(update, context, OUTCOMES)
    if pressed is None:
        return
    alert, outcome = pressed
    events = await context.store.case_events(alert.alert_id)
    closings = sum(e.kind == "closed" for e in events) + 1
    name = await _name(update, context, alert)
    lang = await language_of(update, context)
    t = context.content.texts
    if not await context.store.close_case(
        alert.alert_id,
        update.effective_user.id,
        name=name,
        outcome=outcome,
        messages=person_closed(
            alert, await name_for_person(context, alert.user_id, name), closings
        ),
    ):
        await answer(update, t.plain(lang, "case.already_closed"))
        return
    await answer(update, t.plain(lang, "case.closed_toast"))
    log.info(
        "case_closed alert=%s by=%s outcome=%s", alert.alert_id, update.effective_user.id, outcome
    )
    await refresh_copies(update, context, alert.alert_id)
    await drain_group(context, f"alert:{alert.alert_id}:closed:{closings}")


async def still_need_help(update: Update, context: BotContext) -> None:
    """The person says they still need help: their closed case opens again."""
    assert update.effective_user is not None
    alert = await _own_case(update, context, "case_again")
    if alert is None:
        return
    await answer(update)
    events = await context.store.case_events(alert.alert_id)
    reopenings = sum(e.kind == "reopened" for e in events) + 1
    copies = await reopened_copies(context, alert, reopenings)
    reopened = await context.store.reopen_case(
        alert.alert_id,
        update.effective_user.id,
        take_on_due_at=context.clock.now() + take_on_window(context, alert),
        messages=copies,
    )
    if reopened:
        log.info("case_reopened alert=%s", alert.alert_id)
        sent = await drain_group(context, f"alert:{alert.alert_id}")
        keys = {c.key for c in copies}
        reached = any(r.status == "sent" and r.key in keys for r in sent)
        key = "case.person_reopened" if reached else "case.person_reopened_waiting"
        await _edit_markup(update, None)
        text = context.content.texts.get(await language_of(update, context), key)
        await show_voiced(update, context, key.replace("person_", ""), text, new=True)
        await refresh_copies(update, context, alert.alert_id, skip_pressed=False)
    else:
        await _edit_markup(update, None)
        lang = await language_of(update, context)
        text = context.content.texts.get(lang, "case.person_still_open")
        await show_voiced(update, context, "case.still_open", text, new=True)


async def feedback(update: Update, context: BotContext) -> None:
    """The person says whether they got the help they needed (their case was closed)."""
    alert = await _own_case(update, context, "case_feedback", FEEDBACK)
    if alert is None:
        return
    said = _parts(update)[3]
    await context.store.add_case_event(alert.alert_id, alert.user_id, "feedback", {"answer": said})
    log.info("case_feedback alert=%s", alert.alert_id)
    lang = await language_of(update, context)
    t = context.content.texts
    await answer(update, t.plain(lang, "case.feedback_thanks"))
    still = closed_buttons(context, lang, alert.alert_id) if alert.resolved_at else None
    await _edit_markup(update, still)


async def _edit_markup(update: Update, markup: Any) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(markup)
    except TelegramError as error:  # unchanged or too old: the buttons stay as they were
        log.info("case_markup_not_changed error=%s", type(error).__name__)


async def _show_card(update: Update, context: BotContext, alert: Alert) -> None:
    """The pressed message shows the case as it stands now."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    lang = await language_of(update, context)
    fresh = await context.store.alert(alert.alert_id) or alert
    card = await case_card(context, lang, fresh, await _viewer(update, context, fresh))
    if card is None:
        return
    text, markup = card
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except TelegramError as error:
        log.info("case_card_not_shown error=%s", type(error).__name__)


async def refresh_copies(
    update: Update | None, context: BotContext, alert_id: int, *, skip_pressed: bool = True
) -> None:
    """Every copy of the case shows where it stands: the pressed one now, the others queued."""
    pressed_at: tuple[int, int] | None = None
    if skip_pressed and update is not None and update.callback_query is not None:
        message = update.callback_query.message
        alert = await context.store.alert(alert_id)
        if message is not None and alert is not None:
            pressed_at = (message.chat.id, message.message_id)
            await _show_card(update, context, alert)
    await refresh_case_copies(context, alert_id, except_at=pressed_at)


async def history_text(context: BotContext, lang: str, alert: Alert, lens: Lens) -> list[str]:
    """The case from the first message to now, a line an event (notes escaped), as this viewer
    may read it, in as many messages as it takes (Telegram takes 4,096 characters in one)."""
    t = context.content.texts
    zone = context.services.config.timezone
    title = t.get(lang, "case.history_title", number=alert.alert_id)
    lines: list[str] = []
    for event in await context.store.case_events(alert.alert_id):
        if not _event_shown(event, lens):
            continue
        when = event.at.astimezone(zone)
        stamp = f"{format_day(when.date(), lang)} {when:%H:%M}"
        what = _event_words(context, lang, event, lens)
        lines.append(t.get(lang, "case.history_line", when=stamp, what=what))
    if lens.shows(Piece.VIEWS):  # who looked, for staff to check (never what they saw)
        lines += await _view_lines(context, lang, alert)
    return _in_messages(title, lines, t.get(lang, "case.history_more", number=alert.alert_id))


async def _view_lines(context: BotContext, lang: str, alert: Alert) -> list[str]:
    t = context.content.texts
    zone = context.services.config.timezone
    views = await context.store.views_of_case(alert.alert_id, alert.village_code, alert.created_at)
    if not views:
        return []
    lines = ["", t.get(lang, "case.views_title")]
    for view in views:
        when = view.at.astimezone(zone)
        stamp = f"{format_day(when.date(), lang)} {when:%H:%M}"
        who = await responder_name(
            context, view.viewer_id, alert.village_code, t.raw(lang, "case.views_someone")
        )
        what = t.get(lang, f"case.view.{view.what}", name=who, user_id=str(view.viewer_id))
        lines.append(t.get(lang, "case.history_line", when=stamp, what=what))
    return lines


# Which piece of the policy each kind of history line is (the others are open to every handler).
EVENT_PIECES = {
    "note": Piece.NOTES,
    "relative": Piece.RELATIVE_ANSWERED,
    "location": Piece.LOCATION,
}


def _event_shown(event: CaseEvent, lens: Lens) -> bool:
    piece = EVENT_PIECES.get(event.kind)
    return piece is None or not lens.hides(piece)


def _in_messages(title: str, lines: list[str], continued: str, room: int = 4000) -> list[str]:
    """Lines under a title, cut into messages that fit; a line longer than a message is cut."""
    parts: list[str] = []
    current = title
    longest = room - len(continued) - 2
    for line in lines:
        if len(line) > longest:  # cut where no HTML entity is left half written
            line = re.sub(r"&[#\w]*$", "", line[: longest - 1]) + "…"
        if len(current) + 1 + len(line) > room:
            parts.append(current)
            current = continued
        current = f"{current}\n{line}"
    parts.append(current)
    return parts


def _event_words(context: BotContext, lang: str, event: CaseEvent, lens: Lens) -> str:
    t = context.content.texts
    name = str(event.detail.get("name") or t.raw(lang, "case.someone"))
    if event.kind == "note" and lens.masks(Piece.NOTES):
        return t.get(lang, "case.event.note_for_staff", name=name)
    if event.kind == "delivered":
        role = str(event.detail.get("role", "leader"))
        return t.raw(
            lang, f"case.event.delivered.{role if role in ('leader', 'staff') else 'leader'}"
        )
    if event.kind == "note":
        if "voice" in event.detail:
            return t.get(lang, "case.event.note_voice", name=name)
        return t.get(lang, "case.event.note", name=name, note=str(event.detail.get("text", "")))
    if event.kind == "handed":
        org = organisation_name(context, lang, str(event.detail.get("to", "other")))
        return t.get(lang, "case.event.handed", name=name, org=org)
    if event.kind == "closed":
        outcome = t.raw(lang, f"case.outcome.{event.detail.get('outcome', 'other')}")
        return t.get(lang, "case.event.closed", name=name, outcome=outcome)
    if event.kind == "feedback":
        answer = str(event.detail.get("answer", ""))
        label = t.raw(lang, f"report.feedback.{answer}") if answer in FEEDBACK else ""
        return t.get(lang, "case.event.feedback", answer=label)
    if event.kind in ("taken",):
        return t.get(lang, "case.event.taken", name=name)
    return t.raw(lang, f"case.event.{event.kind}")


async def list_cases(update: Update, context: BotContext) -> None:
    """Open cases, oldest first (leaders: their village; staff: all), with how long each waits."""
    assert update.effective_user is not None
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    scope = await villages_in_scope(context, update.effective_user.id)
    if scope == []:
        await send(update, t.get(lang, "leader.only_leaders"))
        return
    viewer = Viewer.STAFF if scope is None else Viewer.CHIEF
    now = context.clock.now()
    cards = []
    for alert in await context.store.open_cases(scope):
        card = await case_card(context, lang, alert, viewer)
        if card is not None:  # not a record only staff may know of
            late = alert.acknowledged_at is None and (
                now - alert.created_at >= take_on_window(context, alert)
            )
            cards.append((not late, alert.alert_id, late, alert, card))
    if not cards:
        await send(update, t.get(lang, "case.none_open"))
        return
    cards.sort(key=lambda c: (c[0], c[1]))  # not taken on in time first, then oldest first
    await send(update, t.get(lang, "case.open_title", count=len(cards)))
    for _, _, late, alert, (text, markup) in cards[:LIST_MAX]:
        days = max(0, (now - alert.created_at).days)
        age: str = (
            t.get(lang, "case.open_for", days=days) if days else t.get(lang, "case.open_today")
        )
        if late:
            age = f"{t.get(lang, 'case.overdue_line')}\n{age}"
        await send(update, f"{age}\n{text}", markup)
    if len(cards) > LIST_MAX:
        await send(update, t.get(lang, "case.more", count=len(cards) - LIST_MAX))


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Main-group handlers; the note reply runs in its own earlier group (``note_handlers``)."""
    in_place = filters.UpdateType.MESSAGE
    return [
        CommandHandler(("cases", "alerts"), list_cases, filters=in_place),
        CallbackQueryHandler(press, pattern=rf"^{CASE_PREFIX}:(?:{'|'.join(ACTIONS)}):\d+$"),
        CallbackQueryHandler(press, pattern=rf"^{ALERT_PREFIX}:(?:ack|done):\d+$"),
        CallbackQueryHandler(hand, pattern=rf"^{CASE_PREFIX}:to:\d+:[a-z_]+$"),
        CallbackQueryHandler(close, pattern=rf"^{CASE_PREFIX}:out:\d+:[a-z_]+$"),
        CallbackQueryHandler(still_need_help, pattern=rf"^{CASE_PREFIX}:again:\d+$"),
        CallbackQueryHandler(feedback, pattern=rf"^{CASE_PREFIX}:fb:\d+:[a-z]+$"),
        CallbackQueryHandler(list_cases, pattern=rf"^(?:{CASE_PREFIX}|{ALERT_PREFIX}):list$"),
    ]


def note_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    replies = filters.REPLY & (filters.TEXT | filters.VOICE) & filters.UpdateType.MESSAGE
    return [MessageHandler(replies, note_reply)]
