"""What leaders and staff read about an alert or a departure (rendered when it is sent)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.formatting import format_day
from delivery.family_texts import family_blocks
from domain.visibility import Lens, Piece
from screens.buttons import keyboard
from screens.departure_text import answers_of, flag_names, summary
from storage.rows import Alert, Departure

ALERT_PREFIX = "al"
NOTICE_PREFIX = "leader"


def _village(context: BotContext, lang: str, departure: Departure) -> str:
    path = context.content.places.village_path(departure.village_code or "")
    if path is None:
        return context.content.texts.raw(lang, "notice.village_unlisted")
    return path[2].name(lang)


def notice_text(context: BotContext, lang: str, departure: Departure, lens: Lens) -> str:
    """The notice a leader reads: who, where, how, the risks, how to reach them, how to help.

    Each piece as the policy lets this reader see it (``domain/visibility.py``).
    """
    t = context.content.texts
    blocks = [
        t.get(lang, "notice.title", village=_village(context, lang, departure)),
        summary(context, lang, answers_of(departure, lens)),
    ]
    if departure.risk_flags and lens.shows(Piece.RISK_FLAGS):
        blocks.append(
            t.get(lang, "notice.flags", flags=flag_names(context, lang, departure.risk_flags))
        )
    if lens.shows(Piece.CONTACT):
        blocks.append(t.get(lang, "notice.contact", user_id=str(departure.user_id)))
    blocks.append(t.get(lang, "notice.how_to_help"))
    return "\n\n".join(blocks)


def notice_buttons(context: BotContext, lang: str, departure_id: int) -> InlineKeyboardMarkup:
    t = context.content.texts
    return keyboard(
        [
            [(t.raw(lang, "notice.acknowledge"), f"{NOTICE_PREFIX}:ack:{departure_id}")],
            [(t.raw(lang, "notice.will_call"), f"{NOTICE_PREFIX}:call:{departure_id}")],
        ]
    )


async def alert_text(context: BotContext, lang: str, alert: Alert, lens: Lens) -> str:
    """What a responder reads: what happened, who, where, how to reach them (by the policy)."""
    t = context.content.texts
    departure = await context.store.departure(alert.departure_id) if alert.departure_id else None
    title_values: dict[str, object] = {}
    if alert.kind == "silence":  # the title says how long it really was, from the settings
        title_values["days"] = context.services.config.silence_days
    blocks: list[str] = [t.get(lang, f"alert.title.{alert.kind}", **title_values)]
    if alert.kind == "family":  # what the family told us; the person it is about is not them
        return "\n\n".join([*blocks, *await family_blocks(context, lang, alert, lens)])
    if departure is not None and lens.shows(Piece.NAME):
        blocks.append(_who(context, lang, departure, lens))
    problems = {p.id: p for p in context.content.problems}
    named = [problems[d].labels[lang] for d in alert.details if d in problems]
    if named and lens.shows(Piece.PROBLEMS):
        blocks.append(t.get(lang, "alert.problems", problems=", ".join(named)))
    if alert.kind == "document" and alert.details and lens.shows(Piece.PROBLEMS):
        labels = ", ".join(t.raw(lang, f"documents.kind.{p}") for p in alert.details)
        blocks.append(t.get(lang, "documents.alert", papers=labels))  # which paper runs out
    if alert.user_id is not None and lens.shows(Piece.CONTACT):
        blocks.append(t.get(lang, "notice.contact", user_id=str(alert.user_id)))
    if departure is not None and departure.family_phone and lens.shows(Piece.FAMILY_PHONE):
        blocks.append(t.get(lang, "alert.family_phone", phone=departure.family_phone))
    # After violence at home the family may be whom she left: reach her first, not them.
    violence = lens.circumstances.violence
    blocks.append(t.get(lang, "alert.how_to_help_person" if violence else "alert.how_to_help"))
    return "\n\n".join(blocks)


def _who(context: BotContext, lang: str, departure: Departure, lens: Lens) -> str:
    t = context.content.texts
    village = _village(context, lang, departure)
    if not (lens.shows(Piece.DESTINATION) and lens.shows(Piece.DATES)):
        return t.get(
            lang, "alert.who_short", name=departure.name, age=departure.age, village=village
        )
    return t.get(
        lang,
        "alert.who",
        name=departure.name,
        age=departure.age,
        village=village,
        destination=t.raw(lang, f"plan.opt.destination.{departure.destination}"),
        arrive=format_day(departure.arrive_on, lang),
    )
