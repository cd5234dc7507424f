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
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from app.context import BotContext
from conversations.forms import STAY, Draft, Form, Keys, Screen, Step, Stored, Summary, Wrong, words
from conversations.roles import is_staff, villages_in_scope
from conversations.ui import answer, language_of, show
from delivery.announcements import announcement_messages
from screens.announcement import announcement_text
from screens.buttons import Button, keyboard
from storage.announcements import AUDIENCES, Announcement

log = logging.getLogger(__name__)
PREFIX = "announce"
DRAFT = "announce"
LEAST, MOST = 2, 1000  # characters of the typed text, after trimming


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


def _audience_screen(
    context: BotContext, lang: str, scope: list[str] | None, draft: Draft
) -> Screen:
    t = context.content.texts
    rows = [
        [(t.raw(lang, f"announce.who.{who}"), f"{PREFIX}:w:{who}")] for who in _audiences(scope)
    ]
    rows.append(_cancel_row(context, lang))
    area = area_name(context, lang, str(draft.get("area")))
    return t.get(lang, "announce.ask_audience", area=area), keyboard(rows)


def _preview(context: BotContext, draft: Draft, sender_role: str) -> Announcement:
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


async def _review(update: Update, context: BotContext, lang: str, draft: Draft) -> Summary:
    """The message as Khmer readers get it (and English readers, if written), and its reach."""
    assert update.effective_user is not None
    t = context.content.texts
    role = "staff" if is_staff(context, update.effective_user.id) else "leader"
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
    if not reach:
        parts.append(t.get(lang, "announce.nobody"))
    return Summary("\n\n".join(parts), sendable=bool(reach))


async def _recipients(context: BotContext, draft: Draft) -> list[Any]:
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    return await context.store.audience(str(draft["area"]), str(draft["audience"]), today)


# -- the steps whose buttons depend on who asks -----------------------------------------------


async def _draw_area(update: Update, context: BotContext, lang: str, draft: Draft) -> Screen:
    """The area step from the top: all villages and the districts (staff), or one's own."""
    assert update.effective_user is not None
    return _area_screen(context, lang, await _scope(context, update.effective_user.id), "all")


async def _draw_audience(update: Update, context: BotContext, lang: str, draft: Draft) -> Screen:
    """Who gets it in the chosen area (a leader: only their villagers)."""
    assert update.effective_user is not None
    scope = await _scope(context, update.effective_user.id)
    return _audience_screen(context, lang, scope, draft)


async def _pick_area(update: Update, context: BotContext, data: str) -> object:
    """An area if this person may announce there; a district or commune opens its parts."""
    assert update.effective_user is not None
    code = data.split(":")[-1]
    places = context.content.places
    scope = await _scope(context, update.effective_user.id)
    if data.startswith("n:"):  # staff only: a smaller area inside this one
        opens = code == "all" or places.district(code) is not None or places.commune(code)
        if scope is not None or not opens:
            return Wrong("announce.not_your_area")
        await answer(update)
        lang = await language_of(update, context)
        await show(update, *_area_screen(context, lang, scope, code))
        return STAY
    if not data.startswith("a:"):
        return Wrong("input.button_expired")
    if not _known_area(context, code) or not _may_pick(scope, code):
        log.info("announce_area_refused user=%s", update.effective_user.id)
        return Wrong("announce.not_your_area")
    return code


async def _pick_audience(update: Update, context: BotContext, data: str) -> object:
    """Who gets it (leaders write to their villagers); an area pressed again changes the area."""
    assert update.effective_user is not None
    if data.startswith("a:"):  # the area screen's button, pressed again: that area instead
        area = await _pick_area(update, context, data)
        if isinstance(area, Wrong):
            return area
        draft = FORM.draft_of(context)
        draft["area"] = area
        await answer(update)
        lang = await language_of(update, context)
        await show(update, *await _draw_audience(update, context, lang, draft))
        return STAY
    who = data.split(":")[-1]
    scope = await _scope(context, update.effective_user.id)
    if not data.startswith("w:") or who not in _audiences(scope):
        return Wrong("input.button_expired")
    return who


async def _gate(update: Update, context: BotContext, lang: str) -> tuple[str, None] | None:
    """Staff and village leaders only; anyone else is told who may send them."""
    assert update.effective_user is not None
    scope = await _scope(context, update.effective_user.id)
    if scope is not None and not scope:
        log.info("announce_refused user=%s", update.effective_user.id)
        return context.content.texts.get(lang, "announce.only_responders"), None
    return None


async def _send(
    update: Update, context: BotContext, draft: Draft, request_key: str
) -> Stored | Wrong:
    """Checks the sender again, keeps the announcement and queues one message per person."""
    assert update.effective_user is not None and context.user_data is not None
    user_id = update.effective_user.id
    scope = await _scope(context, user_id)
    if not _may_pick(scope, str(draft["area"])) or draft["audience"] not in _audiences(scope):
        context.user_data.pop(DRAFT, None)  # no longer a leader of that village
        return Wrong("announce.not_your_area")
    recipients = await _recipients(context, draft)
    if not recipients:
        return Wrong("announce.nobody")
    # Forgotten (and written) before it is queued: after a crash, the old review screen must
    # not send the whole announcement a second time. A crash in between loses it instead,
    # and the sender, who sees no "queued", sends it again.
    await FORM.forget(update, context)
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
    return Stored("announce.queued", {"number": announcement_id, "count": queued})


_TEXT = words(LEAST, MOST, "announce.too_short", "announce.too_long")
FORM = Form(
    name="announce",
    prefix=PREFIX,
    draft=DRAFT,
    command="announce",
    steps=(
        Step(
            "area",
            "announce.ask_area",
            draw=_draw_area,
            pick=_pick_area,
            valid=lambda value: isinstance(value, str),
        ),
        Step(
            "audience",
            "announce.ask_audience",
            draw=_draw_audience,
            pick=_pick_audience,
            valid=lambda value: value in AUDIENCES,
        ),
        Step("km", "announce.ask_khmer", read=_TEXT, params={"most": MOST}),
        Step("en", "announce.ask_english", read=_TEXT, skip=True),
    ),
    keys=Keys("announce", with_type_words=True, skip="announce.skip_english"),
    review=_review,
    store=_send,
    gate=_gate,
    open_button=False,  # /announce alone
)


def build_handler() -> ConversationHandler[BotContext]:
    """The announcement conversation (persistent: a restart keeps the step and the text)."""
    return FORM.handler()
