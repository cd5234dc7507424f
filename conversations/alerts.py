"""Alerts: someone asked for help, named a serious problem, or went silent.

An alert goes to the village's leaders, and to staff at once for a cry for help (``sos`` and
``help``) or later for the rest if no leader acknowledges in time. Responders acknowledge and
resolve with buttons; the first acknowledgement is shown on every copy and the person is told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from app.context import BotContext
from content.formatting import format_day
from conversations.notify import language_of_user, notify_staff, send_to
from conversations.roles import may_act_for, responder_name, villages_in_scope
from conversations.ui import PRIVATE_MESSAGE, answer, keyboard, language_of, pressed, send
from storage.rows import Alert, Departure

log = logging.getLogger(__name__)
PREFIX = "al"
URGENT = ("sos", "help")  # staff are told at once, not only when leaders are slow
DESTINATION_COUNTRY = {"TH": "TH", "MY": "MY", "KR": "KR"}  # others: Cambodian numbers


@dataclass(frozen=True)
class Reached:
    """How many leaders and staff an alert reached (to tell the person the truth)."""

    leaders: int
    staff: int

    @property
    def anyone(self) -> bool:
        return self.leaders + self.staff > 0

    def key(self, prefix: str) -> str:
        """``prefix`` + told / told_leader / told_staff / unreached."""
        if self.leaders and self.staff:
            return f"{prefix}.told"
        if self.leaders:
            return f"{prefix}.told_leader"
        return f"{prefix}.told_staff" if self.staff else f"{prefix}.unreached"


def country_of(destination: str | None) -> str:
    """The country whose hotlines fit a destination code (Cambodia for inside or unknown)."""
    return DESTINATION_COUNTRY.get(destination or "", "KH")


async def alert_text(context: BotContext, lang: str, alert: Alert) -> str:
    """What a responder reads: what happened, who, where, how to reach them."""
    t = context.content.texts
    departure = await context.store.departure(alert.departure_id) if alert.departure_id else None
    blocks: list[str] = [t.get(lang, f"alert.title.{alert.kind}")]
    if departure is not None:
        blocks.append(_who(context, lang, departure))
    problems = {p.id: p for p in context.content.problems}
    named = [problems[d].labels[lang] for d in alert.details if d in problems]
    if named:
        blocks.append(t.get(lang, "alert.problems", problems=", ".join(named)))
    blocks.append(t.get(lang, "notice.contact", user_id=str(alert.user_id)))
    if departure is not None and departure.family_phone:
        blocks.append(t.get(lang, "alert.family_phone", phone=departure.family_phone))
    blocks.append(t.get(lang, "alert.how_to_help"))
    return "\n\n".join(blocks)


def _who(context: BotContext, lang: str, departure: Departure) -> str:
    t = context.content.texts
    path = context.content.places.village_path(departure.village_code or "")
    return t.get(
        lang,
        "alert.who",
        name=departure.name,
        age=departure.age,
        village=path[2].name(lang) if path else t.raw(lang, "notice.village_unlisted"),
        destination=t.raw(lang, f"plan.opt.destination.{departure.destination}"),
        arrive=format_day(departure.arrive_on, lang),
    )


def _buttons(context: BotContext, lang: str, alert_id: int) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [
            [(t.raw(lang, "alert.acknowledge"), f"{PREFIX}:ack:{alert_id}")],
            [(t.raw(lang, "alert.resolve"), f"{PREFIX}:done:{alert_id}")],
        ]
    )


async def raise_alert(
    context: BotContext,
    kind: str,
    user_id: int,
    *,
    departure: Departure | None,
    checkin_id: int | None = None,
    details: tuple[str, ...] = (),
) -> Reached:
    """Stores an alert and tells who must act; returns who was reached."""
    now = context.clock.now()
    village = departure.village_code if departure else None
    if village is None:
        profile = await context.store.get_user(user_id)
        village = profile.village_code if profile else None
    urgent = kind in URGENT
    alert_id = await context.store.create_alert(
        kind,
        user_id,
        departure_id=departure.departure_id if departure else None,
        checkin_id=checkin_id,
        village_code=village,
        details=details,
        staff_due_at=None if urgent else now + context.services.config.staff_after,
    )
    alert = await context.store.alert(alert_id)
    assert alert is not None
    leaders = 0
    for leader in await context.store.leaders_of(village or ""):
        leaders += await _deliver(context, alert, leader.user_id)
    staff = await _tell_staff(context, alert) if urgent or leaders == 0 else 0
    reached = Reached(leaders, staff)
    log.info("alert_raised alert=%s kind=%s user=%s reached=%s", alert_id, kind, user_id, reached)
    if not reached.anyone:
        log.error("alert_unreached alert=%s", alert_id)
    return reached


async def _deliver(context: BotContext, alert: Alert, chat_id: int) -> int:
    lang = await language_of_user(context, chat_id)
    text = await alert_text(context, lang, alert)
    message = await send_to(context, chat_id, text, _buttons(context, lang, alert.alert_id))
    if message is None:
        return 0
    await context.store.record_alert_message(alert.alert_id, message.chat_id, message.message_id)
    return 1


async def _tell_staff(context: BotContext, alert: Alert) -> int:
    if not await context.store.mark_staff_told(alert.alert_id):
        return 0
    texts: dict[str, str] = {}
    for lang in context.content.texts.languages:
        texts[lang] = await alert_text(context, lang, alert)

    def render(lang: str) -> tuple[str, Any]:
        return texts[lang], _buttons(context, lang, alert.alert_id)

    sent = await notify_staff(context, render)
    for message in sent:
        await context.store.record_alert_message(
            alert.alert_id, message.chat_id, message.message_id
        )
    return len(sent)


async def escalate_alerts(context: BotContext) -> int:
    """Staff hear of every alert no leader acknowledged in time (each once)."""
    count = 0
    for alert in await context.store.alerts_due_for_staff(context.clock.now()):
        if await _tell_staff(context, alert):
            log.info("alert_escalated alert=%s", alert.alert_id)
            count += 1
    return count


async def respond(update: Update, context: BotContext) -> None:
    """Acknowledges or resolves an alert; only leaders of its village and staff may."""
    assert update.callback_query is not None and update.effective_user is not None
    user = update.effective_user
    lang = await language_of(update, context)
    t = context.content.texts
    press = pressed(update, ("ack", "done"))
    alert = await context.store.alert(press[1]) if press else None
    if alert is None or not await may_act_for(context, user.id, alert.village_code):
        log.warning("forged_press user=%s action=alert", user.id)
        await answer(update, t.plain(lang, "input.not_allowed"))
        return
    assert press is not None
    action = press[0]
    if action == "ack":
        changed = await context.store.acknowledge_alert(alert.alert_id, user.id)
        status_key = "alert.acknowledged_by"
    else:
        changed = await context.store.resolve_alert(alert.alert_id, user.id)
        status_key = "alert.resolved_by"
    if not changed:
        await answer(update, t.plain(lang, "alert.already"))
        return
    await answer(update)
    log.info("alert_%s alert=%s by=%s", action, alert.alert_id, user.id)
    name = await responder_name(context, user.id, alert.village_code, user.full_name)
    await _update_copies(context, alert.alert_id, status_key, name, resolved=action == "done")
    if action == "ack":
        person = await language_of_user(context, alert.user_id)
        await send_to(context, alert.user_id, t.get(person, "alert.person_told", name=name))


async def _update_copies(
    context: BotContext, alert_id: int, status_key: str, name: str, *, resolved: bool
) -> None:
    alert = await context.store.alert(alert_id)
    assert alert is not None
    today = context.clock.now().astimezone(context.services.config.timezone).date()
    for chat_id, message_id in await context.store.alert_messages(alert_id):
        lang = await language_of_user(context, chat_id)
        t = context.content.texts
        status = t.get(lang, status_key, name=name, date=format_day(today, lang))
        markup = (
            None
            if resolved
            else keyboard([[(t.raw(lang, "alert.resolve"), f"{PREFIX}:done:{alert_id}")]])
        )
        try:
            await context.bot.edit_message_text(
                f"{await alert_text(context, lang, alert)}\n\n{status}",
                chat_id,
                message_id,
                reply_markup=markup,
            )
        except (BadRequest, Forbidden) as error:
            log.info("alert_copy_not_updated chat=%s error=%s", chat_id, type(error).__name__)


async def list_alerts(update: Update, context: BotContext) -> None:
    """Open alerts of the leader's village (all villages for staff), each with its buttons."""
    assert update.effective_user is not None
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    scope = await villages_in_scope(context, update.effective_user.id)
    if scope == []:
        await send(update, t.get(lang, "leader.only_leaders"))
        return
    alerts = await context.store.open_alerts(scope)
    if not alerts:
        await send(update, t.get(lang, "alert.none_open"))
        return
    await send(update, t.get(lang, "alert.open_title", count=len(alerts)))
    for alert in alerts[:10]:
        await send(
            update, await alert_text(context, lang, alert), _buttons(context, lang, alert.alert_id)
        )


def since(context: BotContext, hours: int) -> datetime:
    return context.clock.now() - timedelta(hours=hours)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("alerts", list_alerts, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(respond, pattern=rf"^{PREFIX}:(ack|done):"),
        CallbackQueryHandler(list_alerts, pattern=rf"^{PREFIX}:list$"),
    ]
