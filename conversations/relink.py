"""A new phone, for leaders and staff: make a one-time code that moves a person's record.

Phones are lost, stolen and taken away. After talking to the person, a village leader (for
someone of their own village) or a staff member picks them from the people with a registered
departure or an open alert, shown as ``/away`` shows them, and makes a code. The code is shown
once, in a message meant for forwarding that names nobody; the person opens it on the new phone
(``conversations/relink_open.py``). Every press is checked again on the server: a leader of
another village, or a villager, pressing a forged ``relink:make:d17`` gets nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from access.relinks import create_relink, relink_link
from app.context import BotContext
from content.formatting import format_day
from conversations.roles import is_staff, leader_scope, may_act_for
from conversations.ui import PRIVATE_MESSAGE, answer, language_of, send, show
from delivery.viewers import only_staff_may_relink, scope_viewer
from domain.parsing import to_khmer_digits
from domain.visibility import Viewer
from screens.buttons import Button, keyboard, menu_button

log = logging.getLogger(__name__)
PREFIX = "relink"
PAGE = 8  # people per screen: big buttons, one per row, on a small phone
# Who a button is about: a departure (d17) or an alert without a departure (a5).
SUBJECT = re.compile(r"^([da])([0-9]{1,11})$")


@dataclass(frozen=True)
class Candidate:
    """Someone a code can be made for, as the leader sees them."""

    subject: str  # "d17", "a5": what the buttons carry, checked again at every press
    user_id: int
    name: str | None  # the name on the registration; None for an alert without one
    line: str  # one line of the list, as /away shows a departure


def _mark(number: int, lang: str) -> str:
    """The number before a line of the list ("១." in Khmer text)."""
    return to_khmer_digits(f"{number}.") if lang == "km" else f"{number}."


def _user(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _subject(update: Update, action: str) -> str | None:
    """The subject of a ``relink:<action>:<subject>`` press, if it has the right shape."""
    parts = ((update.callback_query.data if update.callback_query else "") or "").split(":")
    if len(parts) != 3 or parts[1] != action or not SUBJECT.match(parts[2]):
        return None
    return parts[2]


async def _candidates(
    context: BotContext, lang: str, scope: list[str] | None, page: int
) -> tuple[int, int, list[tuple[int, Candidate]]]:
    """One page of the people of these villages with a departure, then those with only an open
    alert: (how many in all, the page shown, its people with their numbers in the list).

    Only the page is read and formatted (at 100,000 departures, formatting them all froze the
    bot for seconds at every press). Past the end is the last page.
    """
    t = context.content.texts
    # A chief's list leaves out trips only staff may know of (the policy, domain/visibility.py).
    total, page, subjects = await context.store.relink_page(
        scope, page, PAGE, chief_view=scope_viewer(scope) is not Viewer.STAFF
    )
    found: list[tuple[int, Candidate]] = []
    for number, (kind, ref) in enumerate(subjects, start=page * PAGE + 1):
        if kind == "d":
            departure = await context.store.departure(ref)
            if departure is None:  # gone between the two reads: shown on the next press
                continue
            line = t.get(
                lang,
                "leader.away_line",
                mark=_mark(number, lang),
                name=departure.name,
                age=departure.age,
                destination=t.raw(lang, f"plan.opt.destination.{departure.destination}"),
                depart=format_day(departure.depart_on, lang),
                arrive=format_day(departure.arrive_on, lang),
            )
            found.append((number, Candidate(f"d{ref}", departure.user_id, departure.name, line)))
            continue
        alert = await context.store.alert(ref)
        if alert is None or alert.user_id is None:
            continue
        day = alert.created_at.astimezone(context.services.config.timezone).date()
        line = t.get(
            lang, "relink.alert_line", mark=_mark(number, lang), date=format_day(day, lang)
        )
        found.append((number, Candidate(f"a{ref}", alert.user_id, None, line)))
    return total, page, found


async def _allowed(update: Update, context: BotContext, subject: str) -> Candidate | None:
    """The person behind a pressed subject, if the presser may make a code for them now."""
    assert update.effective_user is not None
    match = SUBJECT.match(subject)
    if match is None:
        return None
    kind, number = match.group(1), int(match.group(2))
    if kind == "d":
        departure = await context.store.departure(number)
        if departure is None or departure.status not in ("active", "returned"):
            return None
        if not await may_act_for(context, update.effective_user.id, departure.village_code):
            return None
        user_id, name = departure.user_id, departure.name
    else:
        alert = await context.store.alert(number)
        if alert is None or alert.resolved_at is not None or alert.user_id is None:
            return None
        if not await may_act_for(context, update.effective_user.id, alert.village_code):
            return None
        user_id, name = alert.user_id, None
    if await context.store.get_user(user_id) is None:  # erased meanwhile: nothing to move
        return None
    return Candidate(subject, user_id, name, "")


async def _staff_only_refusal(
    update: Update, context: BotContext, person: Candidate, *, pop_up: bool = False
) -> bool:
    """A chief asking for someone with a case or a private reason: only staff make that code
    (a chief related to the one she left must not move her record to an account of his)."""
    assert update.effective_user is not None
    if is_staff(context, update.effective_user.id):
        return False
    if not await only_staff_may_relink(context, person.user_id):
        return False
    log.info("relink_refused by=%s reason=staff_only", update.effective_user.id)
    lang = await language_of(update, context)
    t = context.content.texts
    if pop_up:  # a press no screen offered them (the screen already says it, or never did)
        await answer(update, t.plain(lang, "relink.staff_only"))
        return True
    await answer(update)
    await show(update, t.get(lang, "relink.staff_only"), keyboard([[menu_button(context, lang)]]))
    return True


async def _list_screen(
    context: BotContext, lang: str, scope: list[str] | None, page: int, viewer_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    await context.store.record_view(viewer_id, "relink_list", villages=scope)
    t = context.content.texts
    total, page, shown = await _candidates(context, lang, scope, page)
    rows: list[list[Button]] = []
    if not total:
        return t.get(lang, "relink.nobody"), keyboard([[menu_button(context, lang)]])
    pages = (total + PAGE - 1) // PAGE
    for n, person in shown:
        label_key = "relink.pick_button" if person.name else "relink.pick_alert_button"
        label = t.plain(lang, label_key, number=n, name=person.name or "")
        rows.append([(label[:60], f"{PREFIX}:pick:{person.subject}")])
    nav: list[Button] = []
    if page > 0:
        nav.append((t.raw(lang, "relink.previous"), f"{PREFIX}:page:{page - 1}"))
    if page < pages - 1:
        nav.append((t.raw(lang, "relink.next"), f"{PREFIX}:page:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([menu_button(context, lang)])
    lines = [t.get(lang, "relink.intro"), "", *(p.line for _, p in shown)]
    return "\n".join(lines), keyboard(rows)


async def relink_command(update: Update, context: BotContext) -> None:
    """Lists the people of the village a new-phone code can be made for."""
    allowed, scope = await leader_scope(update, context, "relink")
    if not allowed:
        return
    lang = await language_of(update, context)
    text, markup = await _list_screen(context, lang, scope, 0, _user(update))
    await send(update, text, markup)


async def turn_page(update: Update, context: BotContext) -> None:
    """Shows another page of the list."""
    allowed, scope = await leader_scope(update, context, "relink")
    if not allowed:
        return
    assert update.callback_query is not None
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0
    await answer(update)
    lang = await language_of(update, context)
    text, markup = await _list_screen(context, lang, scope, page, _user(update))
    await show(update, text, markup)


async def _refuse(update: Update, context: BotContext, action: str) -> None:
    assert update.effective_user is not None
    log.warning("forged_press user=%s action=relink_%s", update.effective_user.id, action)
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.not_allowed"))


async def pick(update: Update, context: BotContext) -> None:
    """Asks the leader to confirm, after saying what the code does and whom it is for."""
    subject = _subject(update, "pick")
    person = await _allowed(update, context, subject) if subject else None
    if person is None:
        await _refuse(update, context, "pick")
        return
    if await _staff_only_refusal(update, context, person):
        return
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    name = person.name or t.raw(lang, "relink.this_person")
    blocks = [t.get(lang, "relink.confirm", name=name)]
    if person.subject.startswith("d"):
        departure = await context.store.departure(int(person.subject[1:]))
        if departure is not None and not departure.for_self:
            blocks.append(t.get(lang, "relink.registered_by_other", name=name))
    markup = keyboard(
        [
            [(t.raw(lang, "relink.make"), f"{PREFIX}:make:{person.subject}")],
            [(t.raw(lang, "relink.cancel"), f"{PREFIX}:cancel")],
        ]
    )
    await show(update, "\n\n".join(blocks), markup)


async def make(update: Update, context: BotContext) -> None:
    """Makes the one-time code and shows it once, in a message that names nobody."""
    assert update.effective_user is not None
    subject = _subject(update, "make")
    person = await _allowed(update, context, subject) if subject else None
    if person is None:
        await _refuse(update, context, "make")
        return
    if await _staff_only_refusal(update, context, person, pop_up=True):
        return
    await answer(update)
    lang = await language_of(update, context)
    t, config = context.content.texts, context.services.config
    code = await create_relink(
        context.store, context.clock, person.user_id, update.effective_user.id, config.relink_valid
    )
    expires = (context.clock.now() + config.relink_valid).astimezone(config.timezone)
    until = format_day(expires.date(), lang)
    name = person.name or t.raw(lang, "relink.this_person")
    await show(update, t.get(lang, "relink.made", name=name, until=until))
    # The message to forward: no name, no village, so it tells nothing if it goes astray.
    link = relink_link(context.bot.username, code)
    await send(update, t.get(lang, "relink.for_person", link=link, until=until))
    log.info("relink_made user=%s by=%s", person.user_id, update.effective_user.id)


async def cancel(update: Update, context: BotContext) -> None:
    """Makes no code."""
    await answer(update)
    lang = await language_of(update, context)
    t = context.content.texts
    await show(update, t.get(lang, "relink.not_made"), keyboard([[menu_button(context, lang)]]))


async def relink_command_press(update: Update, context: BotContext) -> None:
    """The menu's "new phone" entry: the same list, in place of the menu."""
    allowed, scope = await leader_scope(update, context, "relink")
    if not allowed:
        return
    await answer(update)
    lang = await language_of(update, context)
    text, markup = await _list_screen(context, lang, scope, 0, _user(update))
    await show(update, text, markup)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("relink", relink_command, filters=PRIVATE_MESSAGE),
        CallbackQueryHandler(relink_command_press, pattern=rf"^{PREFIX}:list$"),
        CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:page:"),
        CallbackQueryHandler(pick, pattern=rf"^{PREFIX}:pick:"),
        CallbackQueryHandler(make, pattern=rf"^{PREFIX}:make:"),
        CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}:cancel$"),
    ]
