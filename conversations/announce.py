"""/announce: staff (any area) or a village leader (their own village only) warn an area.

Pick the area (all, a district, a commune, a village), who gets it (people who said yes to
messages, people away, leaders), type the Khmer text and optionally the English, see it as it
will arrive with the number of people it reaches, then send. It goes out through the outbox at
bulk priority, inside each person's delivery hours; the sender is told afterwards how many got
it. Every press is checked again on the server: a leader's forged press for another village,
or a villager's, is refused and changes nothing.

    AREA --area--> AUDIENCE --who--> KHMER --text--> ENGLISH --text|skip--> REVIEW --send--> end
    (AREA: a district or commune opens its parts; cancel ends it anywhere)
"""

from __future__ import annotations

import logging
import re
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from app.context import BotContext
from content.texts import Html
from conversations.forms import flush_draft
from conversations.leaving import leaving_handlers
from conversations.menu import menu_button
from conversations.roles import is_staff, villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, Button, answer, keyboard, language_of, send, show
from delivery.announcements import announcement_messages
from screens.announcement import announcement_text
from storage.announcements import AUDIENCES, Announcement

log = logging.getLogger(__name__)
PREFIX = "announce"
DRAFT = "announce"
LEAST, MOST = 2, 1000  # characters of the typed text, after trimming
_EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")

Screen = tuple[str, InlineKeyboardMarkup]


class Step(IntEnum):
    AREA = 0
    AUDIENCE = 1
    KHMER = 2
    ENGLISH = 3
    REVIEW = 4


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _cancel_row(context: BotContext, lang: str) -> list[Button]:
    return [(context.content.texts.raw(lang, "announce.cancel"), f"{PREFIX}:cancel")]


async def _scope(context: BotContext, user_id: int) -> list[str] | None:
    """None: any area (staff); else the villages this leader leads (maybe none)."""
    return await villages_in_scope(context, user_id)


def _known_area(context: BotContext, code: str) -> bool:
    places = context.content.places
    return code == "all" or any(
        lookup(code) is not None for lookup in (places.district, places.commune, places.village)
    )


def _may_pick(scope: list[str] | None, code: str) -> bool:
    """Staff: any area; a leader: exactly a village they lead."""
    return scope is None or code in scope


def area_name(context: BotContext, lang: str, code: str) -> str:
    places = context.content.places
    if code == "all":
        return context.content.texts.raw(lang, "announce.area_all")
    place = places.district(code) or places.commune(code) or places.village(code)
    return place.name(lang) if place else code


def _area_screen(context: BotContext, lang: str, scope: list[str] | None, at: str) -> Screen:
    """Staff walk down from all villages; a leader sees only their own village(s)."""
    t, places = context.content.texts, context.content.places
    rows: list[list[Button]] = []
    if scope is not None:
        rows += [[(area_name(context, lang, v), f"{PREFIX}:a:{v}")] for v in scope]
    elif at == "all":
        rows.append([(t.raw(lang, "announce.area_all"), f"{PREFIX}:a:all")])
        rows += [[(d.name(lang), f"{PREFIX}:n:{d.code}")] for d in places.districts()]
    elif places.district(at) is not None:
        whole = t.plain(lang, "announce.area_whole", place=area_name(context, lang, at))
        rows.append([(whole, f"{PREFIX}:a:{at}")])
        rows += [[(c.name(lang), f"{PREFIX}:n:{c.code}")] for c in places.communes(at)]
        rows.append([(t.raw(lang, "common.back"), f"{PREFIX}:n:all")])
    else:
        whole = t.plain(lang, "announce.area_whole", place=area_name(context, lang, at))
        rows.append([(whole, f"{PREFIX}:a:{at}")])
        rows += [[(v.name(lang), f"{PREFIX}:a:{v.code}")] for v in places.villages(at)]
        rows.append([(t.raw(lang, "common.back"), f"{PREFIX}:n:{at[:4]}")])
    rows.append(_cancel_row(context, lang))
    return t.get(lang, "announce.ask_area"), keyboard(rows)


def _audiences(scope: list[str] | None) -> tuple[str, ...]:
    return AUDIENCES if scope is None else ("yes", "away")  # leaders write to their villagers


def _audience_screen(context: BotContext, lang: str, scope: list[str] | None) -> Screen:
    t = context.content.texts
    rows = [
        [(t.raw(lang, f"announce.who.{who}"), f"{PREFIX}:w:{who}")] for who in _audiences(scope)
    ]
    rows.append(_cancel_row(context, lang))
    area = area_name(context, lang, str(_draft(context).get("area")))
    return t.get(lang, "announce.ask_audience", area=area), keyboard(rows)


def _typing_screen(context: BotContext, lang: str, step: Step) -> Screen:
    t = context.content.texts
    rows = [_cancel_row(context, lang)]
    if step == Step.ENGLISH:
        rows.insert(0, [(t.raw(lang, "announce.skip_english"), f"{PREFIX}:skip")])
        return t.get(lang, "announce.ask_english"), keyboard(rows)
    return t.get(lang, "announce.ask_khmer", most=MOST), keyboard(rows)


def _preview(context: BotContext, draft: dict[str, Any], sender_role: str) -> Announcement:
    return Announcement(
        announcement_id=0,
        sent_by=None,
        sender_role=sender_role,
        area=str(draft["area"]),
        audience=str(draft["audience"]),
        text_km=str(draft["km"]),
        text_en=draft.get("en"),
        planned=0,
        reached=0,
        unreached=0,
        created_at=context.clock.now(),
    )


async def _review_screen(context: BotContext, lang: str, user_id: int) -> Screen:
    """The message as Khmer readers get it (and English readers, if written), and its reach."""
    t, draft = context.content.texts, _draft(context)
    role = "staff" if is_staff(context, user_id) else "leader"
    preview = _preview(context, draft, role)
    reach = await _recipients(context, draft)
    parts = [
        t.get(
            lang,
            "announce.review",
            area=area_name(context, lang, preview.area),
            who=t.raw(lang, f"announce.who.{preview.audience}"),
            count=len(reach),
        ),
        announcement_text(context, "km", preview),
    ]
    if preview.text_en:
        parts.append(announcement_text(context, "en", preview))
    if preview.audience == "away":
        parts.append(t.get(lang, "announce.away_caution"))
    rows: list[list[Button]] = []
    if reach:
        rows.append([(t.raw(lang, "announce.send"), f"{PREFIX}:send")])
    else:
        parts.append(t.get(lang, "announce.nobody"))
    rows.append(_cancel_row(context, lang))
    return "\n\n".join(parts), keyboard(rows)


async def _recipients(context: BotContext, draft: dict[str, Any]) -> list[Any]:
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    return await context.store.audience(str(draft["area"]), str(draft["audience"]), today)


def _next_missing(draft: dict[str, Any]) -> Step:
    if not isinstance(draft.get("area"), str):
        return Step.AREA
    if draft.get("audience") not in AUDIENCES:
        return Step.AUDIENCE
    if not isinstance(draft.get("km"), str):
        return Step.KHMER
    return Step.REVIEW if "en" in draft else Step.ENGLISH


async def _screen(update: Update, context: BotContext, step: Step) -> Screen:
    assert update.effective_user is not None
    lang = await language_of(update, context)
    scope = await _scope(context, update.effective_user.id)
    if step == Step.AREA:
        return _area_screen(context, lang, scope, "all")
    if step == Step.AUDIENCE:
        return _audience_screen(context, lang, scope)
    if step in (Step.KHMER, Step.ENGLISH):
        return _typing_screen(context, lang, step)
    return await _review_screen(context, lang, update.effective_user.id)


# -- steps -----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """Starts an announcement for staff or a leader; anyone else is told who may send them."""
    assert update.effective_user is not None and context.user_data is not None
    lang = await language_of(update, context)
    scope = await _scope(context, update.effective_user.id)
    if scope is not None and not scope:
        log.info("announce_refused user=%s", update.effective_user.id)
        await send(update, context.content.texts.get(lang, "announce.only_responders"))
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    await send(update, *_area_screen(context, lang, scope, "all"))
    return Step.AREA


async def browse_area(update: Update, context: BotContext) -> int | None:
    """Opens a district or commune to choose a smaller area (staff only)."""
    assert update.effective_user is not None and update.callback_query is not None
    code = (update.callback_query.data or "").split(":")[-1]
    places = context.content.places
    scope = await _scope(context, update.effective_user.id)
    opens = code == "all" or places.district(code) is not None or places.commune(code) is not None
    if scope is not None or not opens:
        return await _refuse(update, context, Step.AREA, "announce.not_your_area")
    await answer(update)
    lang = await language_of(update, context)
    await show(update, *_area_screen(context, lang, scope, code))
    return None


async def choose_area(update: Update, context: BotContext) -> int | None:
    """Keeps the area if this person may announce there, and asks who gets it."""
    assert update.effective_user is not None and update.callback_query is not None
    code = (update.callback_query.data or "").split(":")[-1]
    scope = await _scope(context, update.effective_user.id)
    if not _known_area(context, code) or not _may_pick(scope, code):
        log.info("announce_area_refused user=%s", update.effective_user.id)
        return await _refuse(update, context, Step.AREA, "announce.not_your_area")
    _draft(context)["area"] = code
    await answer(update)
    await show(update, *_audience_screen(context, await language_of(update, context), scope))
    return Step.AUDIENCE


async def choose_audience(update: Update, context: BotContext) -> int | None:
    """Keeps who gets it, and asks for the Khmer text."""
    assert update.effective_user is not None and update.callback_query is not None
    who = (update.callback_query.data or "").split(":")[-1]
    scope = await _scope(context, update.effective_user.id)
    if _next_missing(_draft(context)) < Step.AUDIENCE or who not in _audiences(scope):
        return await _refuse(update, context, Step.AUDIENCE, "input.button_expired")
    _draft(context)["audience"] = who
    await answer(update)
    await show(update, *_typing_screen(context, await language_of(update, context), Step.KHMER))
    return Step.KHMER


def _typed(step: Step) -> Any:
    async def type_text(update: Update, context: BotContext) -> int | None:
        """Keeps a typed text of the right length and goes on."""
        assert update.message is not None and update.effective_user is not None
        lang = await language_of(update, context)
        t = context.content.texts
        text = _EDGES.sub("", update.message.text or "")
        problem = None
        if len(text) < LEAST:
            problem = t.get(lang, "announce.too_short", least=LEAST)
        elif len(text) > MOST:
            problem = t.get(lang, "announce.too_long", most=MOST)
        if problem is not None:
            screen, markup = _typing_screen(context, lang, step)
            await send(update, f"{problem}\n\n{screen}", markup)
            return None
        _draft(context)["km" if step == Step.KHMER else "en"] = text
        following = Step.ENGLISH if step == Step.KHMER else Step.REVIEW
        await send(update, *await _screen(update, context, following))
        return following

    return type_text


async def skip_english(update: Update, context: BotContext) -> int | None:
    """No English text: English readers get the Khmer one."""
    if _next_missing(_draft(context)) != Step.ENGLISH:
        return await _refuse(update, context, Step.ENGLISH, "input.button_expired")
    _draft(context)["en"] = None
    await answer(update)
    await show(update, *await _screen(update, context, Step.REVIEW))
    return Step.REVIEW


async def send_announcement(update: Update, context: BotContext) -> int | None:
    """Checks the sender again, keeps the announcement and queues one message per person."""
    assert update.effective_user is not None and context.user_data is not None
    draft = _draft(context)
    user_id = update.effective_user.id
    scope = await _scope(context, user_id)
    if _next_missing(draft) != Step.REVIEW:
        return await _refuse(update, context, Step.REVIEW, "input.button_expired")
    if not _may_pick(scope, str(draft["area"])) or draft["audience"] not in _audiences(scope):
        context.user_data.pop(DRAFT, None)  # no longer a leader of that village
        return await _refuse(update, context, Step.AREA, "announce.not_your_area")
    lang = await language_of(update, context)
    t = context.content.texts
    recipients = await _recipients(context, draft)
    if not recipients:
        return await _refuse(update, context, Step.REVIEW, "announce.nobody")
    # Forgotten (and written) before it is queued: after a crash, the old review screen must
    # not send the whole announcement a second time. A crash in between loses it instead,
    # and the sender, who sees no "queued", sends it again.
    context.user_data.pop(DRAFT, None)
    await flush_draft(context, user_id)
    announcement_id, queued = await context.store.add_announcement(
        sent_by=user_id,
        sender_role="staff" if scope is None else "leader",
        area=str(draft["area"]),
        audience=str(draft["audience"]),
        text_km=str(draft["km"]),
        text_en=draft.get("en"),
        recipients=recipients,
        messages=lambda number, chunk: announcement_messages(context, number, chunk),
    )
    log.info("announcement_queued announcement=%s count=%s", announcement_id, queued)
    await answer(update)
    text = t.get(lang, "announce.queued", number=announcement_id, count=queued)
    await show(update, text, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Drops the draft: nothing is sent or kept."""
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await answer(update)
    lang = await language_of(update, context)
    text = context.content.texts.get(lang, "announce.cancelled")
    await show(update, text, keyboard([[menu_button(context, lang)]]))
    return ConversationHandler.END


async def _refuse(update: Update, context: BotContext, step: Step, why: str) -> int | None:
    """A press or message that does not fit: say so, show the step the draft is at."""
    lang = await language_of(update, context)
    t = context.content.texts
    shown = min(step, _next_missing(_draft(context)))
    text, markup = await _screen(update, context, shown)
    if update.callback_query is not None:
        await answer(update, t.plain(lang, why))
        await send(update, text, markup)
    elif shown in (Step.KHMER, Step.ENGLISH):
        await send(update, Html(f"{t.get(lang, 'announce.type_words')}\n\n{text}"), markup)
    else:
        await send(update, Html(f"{t.get(lang, 'input.use_buttons')}\n\n{text}"), markup)
    return shown


def _stay(step: Step) -> list[BaseHandler[Update, BotContext, Any]]:
    async def refuse(update: Update, context: BotContext) -> int | None:
        """Answers anything unexpected at this step by showing the step again."""
        return await _refuse(update, context, step, "input.button_expired")

    return [
        CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
        CallbackQueryHandler(refuse, pattern=rf"^{PREFIX}:"),
        MessageHandler(PRIVATE_MESSAGE & ~filters.COMMAND, refuse),
    ]


def build_handler() -> ConversationHandler[BotContext]:
    """The announcement conversation (persistent: a restart keeps the step and the text)."""
    typing = PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        Step.AREA: [
            CallbackQueryHandler(browse_area, pattern=rf"^{PREFIX}:n:"),
            CallbackQueryHandler(choose_area, pattern=rf"^{PREFIX}:a:"),
            *_stay(Step.AREA),
        ],
        Step.AUDIENCE: [
            CallbackQueryHandler(choose_audience, pattern=rf"^{PREFIX}:w:"),
            CallbackQueryHandler(choose_area, pattern=rf"^{PREFIX}:a:"),
            *_stay(Step.AUDIENCE),
        ],
        Step.KHMER: [MessageHandler(typing, _typed(Step.KHMER)), *_stay(Step.KHMER)],
        Step.ENGLISH: [
            MessageHandler(typing, _typed(Step.ENGLISH)),
            CallbackQueryHandler(skip_english, pattern=rf"^{PREFIX}:skip$"),
            *_stay(Step.ENGLISH),
        ],
        Step.REVIEW: [
            CallbackQueryHandler(send_announcement, pattern=rf"^{PREFIX}:send$"),
            *_stay(Step.REVIEW),
        ],
    }
    return ConversationHandler(
        entry_points=[CommandHandler("announce", begin, filters=PRIVATE_MESSAGE)],
        states=states,
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="announce",
        persistent=True,
    )
