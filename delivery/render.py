"""Rendering a queued message when it is sent: in the recipient's language, from the rows as
they are now. None means it no longer matters (answered, cancelled, erased) and is not sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardMarkup

from app.context import BotContext
from content.formatting import format_day
from delivery.announcements import render_announcement
from delivery.broker_reports import render_broker_report, render_pattern
from delivery.case_texts import case_buttons, case_card, closed_buttons
from delivery.checkins import prompt
from delivery.documents import sealed_reminder
from delivery.notices import NAME_VOICE
from delivery.recipients import language_of_user
from delivery.refreshers import render_refresher
from delivery.texts import notice_buttons, notice_text
from delivery.viewers import departure_lens, row_viewer
from delivery.voice_copies import render_voice
from domain.visibility import Piece
from screens.buttons import keyboard
from screens.listen_button import item_for_key, with_listen_button
from storage.outbox import OutboxRow

MEDIA_KINDS = ("voice", "audio")  # what a row may carry besides text, sent by Telegram file_id


@dataclass(frozen=True)
class Media:
    """A file the same bot already has (a person's voice message): resent by its file_id."""

    kind: str  # one of MEDIA_KINDS
    file_id: str


@dataclass(frozen=True)
class Rendered:
    """What to send: a text, or a media file with the text as its caption; buttons maybe."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    media: Media | None = None


TextAndButtons = tuple[str, InlineKeyboardMarkup | None]
# Kinds whose module renders them whole (nothing in front of them).
BY_KIND: dict[str, Callable[[BotContext, str, OutboxRow], Awaitable[TextAndButtons | None]]] = {
    "refresher": render_refresher,
    "announcement": render_announcement,
    "broker_report": render_broker_report,
    "broker_pattern": render_pattern,
}


async def render(context: BotContext, row: OutboxRow) -> Rendered | None:
    lang = await language_of_user(context, row.chat_id)
    t = context.content.texts
    store = context.store
    header = row.payload.get("header")
    text: str
    markup: InlineKeyboardMarkup | None = None
    if row.kind == "alert":
        alert = await store.alert(row.ref_id or 0)
        if alert is None or alert.resolved_at is not None:
            return None
        viewer = await row_viewer(context, row.role, row.chat_id, alert.village_code, alert.user_id)
        card = await case_card(context, lang, alert, viewer)
        if card is None:  # a chief revoked meanwhile, or a record only staff may know of
            return None
        text, markup = card
    elif row.kind == "notice":
        departure = await store.departure(row.ref_id or 0)
        if departure is None or departure.status != "active":
            return None
        if header == "notice.not_acknowledged" and departure.acknowledged_at is not None:
            return None  # a leader answered while it waited
        viewer = await row_viewer(
            context, row.role, row.chat_id, departure.village_code, departure.user_id
        )
        lens = departure_lens(departure, viewer)
        if not lens.shows(Piece.NAME):
            return None
        text = notice_text(context, lang, departure, lens)
        markup = notice_buttons(context, lang, departure.departure_id)
    elif row.kind == NAME_VOICE:  # the name as said, after its notice, to the same reader
        departure = await store.departure(row.ref_id or 0)
        if departure is None or departure.status != "active" or departure.name_voice is None:
            return None
        viewer = await row_viewer(
            context, row.role, row.chat_id, departure.village_code, departure.user_id
        )
        if not departure_lens(departure, viewer).shows(Piece.NAME):
            return None
        caption = t.get(lang, "notice.name_voice", number=departure.departure_id)
        return Rendered(caption, None, Media("voice", departure.name_voice))
    elif row.kind in ("checkin", "reminder"):
        checkin = await store.checkin(row.ref_id or 0)
        waiting_for = "sending" if row.kind == "checkin" else "sent"
        if checkin is None or checkin.status != waiting_for:
            return None
        text, markup = prompt(context, lang, checkin.checkin_id, reminder=row.kind == "reminder")
        # 🔊 when staff recorded it; never played unasked (someone may be listening nearby).
        spoken = "checkin.reminder" if row.kind == "reminder" else "checkin"
        markup = await with_listen_button(context, lang, spoken, markup)
    elif row.kind == "voice":
        voice = await render_voice(context, lang, row)
        if voice is None:
            return None
        text, file_id = voice
        return Rendered(text, None, Media(str(row.payload.get("media", "voice")), file_id))
    elif row.kind == "document":
        reminder = await store.document_reminder(row.ref_id or 0)
        if reminder is None or reminder.status != "sending":
            return None
        rendered = await sealed_reminder(context, lang, reminder)
        if rendered is None:
            return None
        text, markup = rendered
        markup = await with_listen_button(context, lang, "paper.sealed", markup)
    elif row.kind == "text":
        params: dict[str, object] = dict(row.payload.get("params", {}))
        for name in row.payload.get("days", []):
            params[name] = format_day(date.fromisoformat(str(params[name])), lang)
        text = t.get(lang, str(row.payload["key"]), **params)
        if row.payload.get("buttons"):  # [[label key, callback data], ...] a row each
            markup = keyboard(
                [[(t.raw(lang, label), data)] for label, data in row.payload["buttons"]]
            )
        if row.payload.get("case") and row.ref_id is not None:  # a handler's reminder
            alert = await store.alert(row.ref_id)
            if alert is None or alert.resolved_at is not None:
                return None  # closed meanwhile: nothing to remind of
            markup = case_buttons(context, lang, alert)
        if row.payload.get("reopen") and row.ref_id is not None:
            alert = await store.alert(row.ref_id)
            if alert is not None and alert.resolved_at is not None:  # still closed: ask is live
                markup = closed_buttons(context, lang, alert.alert_id, row.payload.get("feedback"))
                if row.payload.get("feedback"):
                    text = f"{text}\n\n{t.get(lang, 'case.feedback_ask')}"
        # "Someone has seen your message", "it is finished"…: 🔊 when recorded, never unasked.
        if (said := item_for_key(context, str(row.payload["key"]))) is not None:
            markup = await with_listen_button(context, lang, said, markup)
    elif row.kind == "card":
        # A copy already in a leader's or staff chat, shown as the case stands now; a copy
        # about someone who erased their data (a notice, a closed case) says only that.
        alert = await store.alert(row.ref_id) if row.ref_id is not None else None
        if alert is not None:
            viewer = await row_viewer(
                context, row.role, row.chat_id, alert.village_code, alert.user_id
            )
            card = await case_card(context, lang, alert, viewer)
            if card is None:  # no longer theirs to follow: the copy stays as it was
                return None
            text, markup = card
        else:
            text = t.get(lang, "case.erased_message")
    elif row.kind == "location":
        # Only while the case is open and still the person's (not after they erased it).
        alert = await store.alert(row.ref_id) if row.ref_id is not None else None
        if alert is None or alert.resolved_at is not None or alert.user_id is None:
            return None
        title = t.plain(lang, "case.location_title", number=alert.alert_id)
        text = f"{title}\n{t.raw(lang, 'case.location_address')}"
    elif row.kind == "unpin":
        text = ""  # nothing is shown: a message is taken back
    elif row.kind in BY_KIND:
        whole = await BY_KIND[row.kind](context, lang, row)
        return None if whole is None else Rendered(*whole)
    else:
        raise ValueError(f"unknown outbox kind {row.kind!r}")
    if header:
        params = dict(row.payload.get("header_params") or {})
        text = f"{t.get(lang, str(header), **params)}\n\n{text}"
    return Rendered(text, markup)
