"""First contact: language → consent (3 screens) → district → commune → village → about-me → menu.

Every step is a screen rendered from the person's draft (``user_data["onboarding"]``), so a
wrong input, a forged button or a restart simply shows the current screen again. Nothing about
the person is written to the ``users`` table until they have agreed and chosen a village.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
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

from access.assisted import PAYLOAD_PREFIX as ASSISTED_PREFIX
from access.invites import (
    PAYLOAD_PREFIX,
    hash_code,
    invite_code_of,
    note_failed_invite,
    too_many_failed_invites,
)
from access.relinks import PAYLOAD_PREFIX as RELINK_PREFIX
from app.context import BotContext
from conversations import assisted_open, menu, relink_open
from conversations.leaving import leaving_handlers
from conversations.listening import DRAFT_LISTEN, show_voiced
from conversations.share import friend_joined_news, referral_code_of
from conversations.ui import DRAFT_LANGUAGE, answer, language_of, send, show
from delivery.drainer import deliver_now
from domain.entry_links import Entry, poster_village_of
from screens.buttons import Button, column, keyboard
from screens.listen_button import current
from screens.refreshers import offer_rows
from storage.leaders import InviteResult

log = logging.getLogger(__name__)
PREFIX = "onb"
DRAFT = "onboarding"
# The draft keeps the invite's hash, as the leader_invites table does, never the code itself: the
# draft is written to the database at each step, and a code at rest would be a usable invite.
INVITE_HASH = "leader_invite_hash"
ENTRY = "entry"  # how the person came (domain/entry_links.py), kept with them once they agree
POSTER_VILLAGE = "poster_village"  # the village of the poster they scanned, to confirm
GENDERS = ("female", "male")
AGE_BANDS = ("under_18", "18_24", "25_35", "36_plus")


class Step(IntEnum):
    """Onboarding states (IntEnum: they survive the JSON round trip of persistence)."""

    LANGUAGE = 0
    CONSENT = 1
    DISTRICT = 2
    COMMUNE = 3
    VILLAGE = 4
    NOT_LISTED = 5
    GENDER = 6
    AGE = 7
    CONFIRM_VILLAGE = 8
    CONSENT_KEPT = 9  # consent screen 2: what is kept, who sees it (CONSENT is screen 1)
    CONSENT_ERASE = 10  # consent screen 3: /mydata, /delete, what stays; agree or decline


Screen = tuple[str, InlineKeyboardMarkup]


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


# -- screens: what each step shows, from the draft alone ------------------------------------


def _language_screen(context: BotContext, lang: str, *, voiced: bool = False) -> Screen:
    """The first screen: each language, and "I would rather listen" only when ``voiced``."""
    texts = context.content.texts
    prompt = "\n".join(texts.raw(code, "language.choose") for code in texts.languages)
    buttons = [
        (texts.raw(code, "language.name"), f"{PREFIX}:lang:{code}") for code in texts.languages
    ]
    if voiced:  # Khmer, with the programme's voice on every screen that has it
        buttons.insert(1, (texts.raw("km", "media.rather_listen"), f"{PREFIX}:lang:km:listen"))
    return prompt, keyboard(column(buttons))


async def _consent_is_voiced(context: BotContext) -> bool:
    """Every consent screen has a recording made for its text as it is now. Until then "I would
    rather listen" promises what the next three screens cannot keep (reader-1, review §4)."""
    return all([await current(context, item_id) is not None for item_id in VOICED.values()])


# Consent in three short screens a villager reads in one breath each (review E1, content/budget.py);
# "yes" is a button of the third alone, so nobody agrees to what they were not shown.
def _choice_screen(context: BotContext, lang: str, text: str, *choices: tuple[str, str]) -> Screen:
    """``text`` over one button a row, each given as (its label's text key, its data after
    ``onboarding:``)."""
    t = context.content.texts
    return text, keyboard(column([(t.raw(lang, key), f"{PREFIX}:{data}") for key, data in choices]))


# The screens that are only words and buttons: the text keys of their paragraphs, then their
# buttons as (label key, data after "onboarding:").
WORDS_AND_BUTTONS: dict[Step, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    Step.CONSENT: (("consent.text",), (("consent.next", "consent:kept"),)),
    Step.CONSENT_KEPT: (("consent.kept", "consent.voice"), (("consent.next", "consent:erase"),)),
    Step.CONSENT_ERASE: (
        ("consent.erase",),
        (("consent.agree", "consent:yes"), ("consent.decline", "consent:no")),
    ),
    Step.NOT_LISTED: (
        ("onboarding.not_listed_text",),
        (("onboarding.continue", "unlisted:ok"), ("common.back", "back")),
    ),
}


def _words_and_buttons(step: Step) -> Callable[[BotContext, str], Screen]:
    paragraphs, choices = WORDS_AND_BUTTONS[step]

    def screen(context: BotContext, lang: str) -> Screen:
        text = "\n\n".join(context.content.texts.get(lang, key) for key in paragraphs)
        return _choice_screen(context, lang, text, *choices)

    return screen


def _district_screen(context: BotContext, lang: str) -> Screen:
    places = context.content.places
    buttons = [(d.name(lang), f"{PREFIX}:district:{d.code}") for d in places.districts()]
    return context.content.texts.get(lang, "onboarding.choose_district"), keyboard(column(buttons))


def _commune_screen(context: BotContext, lang: str) -> Screen:
    places, t = context.content.places, context.content.texts
    district = places.district(_draft(context).get("district", ""))
    if district is None:
        return _district_screen(context, lang)
    buttons: list[Button] = [
        (c.name(lang), f"{PREFIX}:commune:{c.code}") for c in places.communes(district.code)
    ]
    rows = column(buttons)
    if len(places.districts()) > 1:
        rows.append([(t.raw(lang, "common.back"), f"{PREFIX}:back")])
    text = t.get(lang, "onboarding.choose_commune", district=district.name(lang))
    return text, keyboard(rows)


def _village_screen(context: BotContext, lang: str) -> Screen:
    places, t = context.content.places, context.content.texts
    commune = places.commune(_draft(context).get("commune", ""))
    if commune is None:
        return _commune_screen(context, lang)
    buttons = [(v.name(lang), f"{PREFIX}:village:{v.code}") for v in places.villages(commune.code)]
    rows = column(buttons)
    rows.append([(t.raw(lang, "onboarding.not_listed"), f"{PREFIX}:unlisted")])
    rows.append([(t.raw(lang, "common.back"), f"{PREFIX}:back")])
    return t.get(lang, "onboarding.choose_village", commune=commune.name(lang)), keyboard(rows)


def _confirm_village_screen(context: BotContext, lang: str) -> Screen:
    t = context.content.texts
    path = context.content.places.village_path(_draft(context).get(POSTER_VILLAGE, ""))
    if path is None:
        return _district_screen(context, lang)
    _, commune, village = path
    text = t.get(
        lang, "onboarding.poster_confirm", village=village.name(lang), commune=commune.name(lang)
    )
    return _choice_screen(
        context,
        lang,
        text,
        ("onboarding.poster_yes", "poster:yes"),
        ("onboarding.poster_no", "poster:no"),
    )


def _gender_screen(context: BotContext, lang: str) -> Screen:
    t = context.content.texts
    buttons = [(t.raw(lang, f"gender.{g}"), f"{PREFIX}:gender:{g}") for g in GENDERS]
    buttons.append((t.raw(lang, "common.skip"), f"{PREFIX}:gender:skip"))
    return t.get(lang, "onboarding.ask_gender"), keyboard(column(buttons))


def _age_screen(context: BotContext, lang: str) -> Screen:
    t = context.content.texts
    buttons = [(t.raw(lang, f"age.{band}"), f"{PREFIX}:age:{band}") for band in AGE_BANDS]
    buttons.append((t.raw(lang, "common.skip"), f"{PREFIX}:age:skip"))
    return t.get(lang, "onboarding.ask_age"), keyboard(column(buttons))


# Steps with a recordable item (content/recordable.py): each consent screen has its own.
VOICED = {
    Step.CONSENT: "consent",
    Step.CONSENT_KEPT: "consent.kept",
    Step.CONSENT_ERASE: "consent.erase",
}
SCREENS: dict[Step, Callable[[BotContext, str], Screen]] = {
    Step.LANGUAGE: _language_screen,
    **{step: _words_and_buttons(step) for step in WORDS_AND_BUTTONS},
    Step.DISTRICT: _district_screen,
    Step.COMMUNE: _commune_screen,
    Step.VILLAGE: _village_screen,
    Step.GENDER: _gender_screen,
    Step.AGE: _age_screen,
    Step.CONFIRM_VILLAGE: _confirm_village_screen,
}


# The other steps' recordings: the place's lists are one recording each, named by the place
# whose list it is (as content/recordable.py makes them).
STEP_VOICES = {
    Step.LANGUAGE: "start.language",
    Step.DISTRICT: "start.district",
    Step.NOT_LISTED: "start.not_listed",
    Step.GENDER: "start.gender",
    Step.AGE: "start.age",
    Step.CONFIRM_VILLAGE: "start.poster",
}


def _voice_of(context: BotContext, step: Step) -> str | None:
    """The recordable item of this step's screen, if it has one."""
    if step in VOICED:
        return VOICED[step]
    draft = _draft(context)
    if step is Step.COMMUNE:
        return f"start.commune.{draft.get('district', '')}"
    if step is Step.VILLAGE:
        return f"start.village.{draft.get('commune', '')}"
    return STEP_VOICES.get(step)


async def _go(update: Update, context: BotContext, step: Step) -> Step:
    """Shows the screen of ``step`` and makes it the current one."""
    await answer(update)
    text, markup = await _screen(context, step, await language_of(update, context))
    voice = _voice_of(context, step)
    if voice is not None:  # its recording, with 🔊 (and at once for someone who would listen)
        await show_voiced(update, context, voice, text, markup)
    else:
        await show(update, text, markup)
    return step


async def _screen(context: BotContext, step: Step, lang: str) -> Screen:
    """The screen of ``step``; the first one asks the recordings whether to offer listening."""
    if step is Step.LANGUAGE:
        return _language_screen(context, lang, voiced=await _consent_is_voiced(context))
    return SCREENS[step](context, lang)


def _choice(update: Update) -> str:
    """The last part of the pressed button's data (``onb:district:0906`` → ``0906``)."""
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


def _offered(update: Update, codes: Iterable[str]) -> str | None:
    """The pressed choice, if it is one of ``codes`` (else an old or forged button: None)."""
    code = _choice(update)
    return code if code in set(codes) else None


# -- steps ----------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> int:
    """Begins onboarding afresh, or greets a person who already finished it with the menu."""
    assert update.effective_user is not None and context.user_data is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith(PAYLOAD_PREFIX):
        return await _leader_invite(update, context, invite_code_of(payload))
    if payload.startswith(RELINK_PREFIX):  # a new phone (conversations/relink_open.py)
        return await relink_open.open_code(update, context, payload)
    if payload.startswith(ASSISTED_PREFIX):  # a chief's registration (assisted_open.py)
        return await _assisted(update, context, payload)
    if await context.store.get_user(update.effective_user.id) is not None:
        await menu.send_menu(update, context, greeting="start.welcome_back")
        return ConversationHandler.END
    # A payload nobody knows is ignored rather than refused, so an old link still starts the bot.
    context.user_data.pop(DRAFT_LANGUAGE, None)
    context.user_data.pop(DRAFT_LISTEN, None)
    draft: dict[str, Any] = {}  # no entry: found by the bot's name (Entry.TYPED)
    context.user_data[DRAFT] = draft
    code = referral_code_of(payload)
    if code is not None:
        draft.update({"invited_by": code, ENTRY: Entry.SHARE.value})  # counted once they agree
    village = poster_village_of(payload)
    if village is not None and context.content.places.village(village) is not None:
        # A poster of a village the bot offers; any other code falls back to the normal choice.
        draft.update({POSTER_VILLAGE: village, ENTRY: Entry.POSTER.value})
    return await _go(update, context, Step.LANGUAGE)


async def _assisted(update: Update, context: BotContext, payload: str) -> int:
    """A departure a chief wrote down with this person: shown once they have agreed here."""
    assert update.effective_user is not None and context.user_data is not None
    if not await assisted_open.open_code(update, context, payload):
        return ConversationHandler.END
    if await context.store.get_user(update.effective_user.id) is not None:
        await assisted_open.show_claim(update, context)
        return ConversationHandler.END
    context.user_data.pop(DRAFT_LANGUAGE, None)
    draft: dict[str, Any] = {ENTRY: Entry.LEADER.value}  # brought by their chief
    code_hash = context.user_data[assisted_open.DRAFT]
    village = await assisted_open.village_of(context, code_hash)
    if village is not None and context.content.places.village(village) is not None:
        draft[POSTER_VILLAGE] = village  # offered to confirm, as a poster's village is
    context.user_data[DRAFT] = draft
    return await _go(update, context, Step.LANGUAGE)


async def _leader_invite(update: Update, context: BotContext, code: str | None) -> int:
    """Checks a leader invite; a known person becomes a leader now, a new one after consent.

    After too many codes that did not work, the person is refused without looking at the code.
    """
    assert update.effective_user is not None and context.user_data is not None
    user_id = update.effective_user.id
    lang = await language_of(update, context)
    t = context.content.texts
    if await too_many_failed_invites(context.store, context.clock, user_id):
        log.info("invite_refused user=%s reason=too_many", user_id)
        await send(update, t.get(lang, "leader.invite_too_many"))
        return ConversationHandler.END
    result, village = (
        await context.store.invite_village(hash_code(code))
        if code
        else (InviteResult.UNKNOWN, None)
    )
    if result is not InviteResult.ACCEPTED or village is None:
        await note_failed_invite(context.store, context.clock, user_id)
        log.info("invite_refused user=%s reason=%s", user_id, result.value)
        await send(update, t.get(lang, f"leader.invite_{result.value}"))
        return ConversationHandler.END
    assert code is not None
    if await context.store.get_user(update.effective_user.id) is not None:
        await send(update, await _accept(update, context, hash_code(code), lang))
        await menu.send_menu(update, context)
        return ConversationHandler.END
    context.user_data.pop(DRAFT_LANGUAGE, None)
    context.user_data[DRAFT] = {INVITE_HASH: hash_code(code), ENTRY: Entry.LEADER.value}
    return await _go(update, context, Step.LANGUAGE)


def _invite_hash(draft: dict[str, Any]) -> str | None:
    """The hash of the invite being accepted, if any.

    A draft saved before only the hash was kept holds the code: it is replaced by its hash here.
    """
    legacy = draft.pop("leader_invite", None)
    if isinstance(legacy, str):
        draft[INVITE_HASH] = hash_code(legacy)
    value = draft.get(INVITE_HASH)
    return value if isinstance(value, str) else None


async def _accept(update: Update, context: BotContext, code_hash: str, lang: str) -> str:
    """Uses the invite (once, atomically) and says what happened."""
    assert update.effective_user is not None
    name = update.effective_user.full_name[:60] or str(update.effective_user.id)
    result, village = await context.store.accept_invite(code_hash, update.effective_user.id, name)
    t = context.content.texts
    if result is not InviteResult.ACCEPTED or village is None:
        return t.get(lang, f"leader.invite_{result.value}")
    log.info("leader_joined user=%s village=%s", update.effective_user.id, village)
    path = context.content.places.village_path(village)
    return t.get(lang, "leader.welcome", village=path[2].name(lang) if path else village)


async def choose_language(update: Update, context: BotContext) -> int | None:
    """Keeps the chosen language and asks for consent."""
    assert context.user_data is not None and update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    listen = parts[-1] == "listen" and len(parts) == 4
    language = parts[2] if len(parts) in (3, 4) else ""
    if language not in context.content.texts.languages or (len(parts) == 4 and not listen):
        return await _refuse(update, context, Step.LANGUAGE)
    context.user_data[DRAFT_LANGUAGE] = language
    if listen:
        context.user_data[DRAFT_LISTEN] = True  # kept in the database once they agree
    return await _go(update, context, Step.CONSENT)


def _to(step: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    async def forward(update: Update, context: BotContext) -> int:
        """The next consent screen (nothing is kept until the person agrees on the last)."""
        return await _go(update, context, step)

    return forward


async def agree(update: Update, context: BotContext) -> int:
    """Notes the consent and asks for the district (or commune, when there is one district)."""
    draft = _draft(context)
    draft["consented_at"] = context.clock.now().isoformat()
    invite = _invite_hash(draft)
    if invite is not None:
        _, village = await context.store.invite_village(invite)
        path = context.content.places.village_path(village or "")
        if path is not None:  # the invite names the village: no need to ask
            draft.update(district=path[0].code, commune=path[1].code)
            return await _register(update, context, village_code=path[2].code)
        draft.pop(INVITE_HASH)
    if context.content.places.village(draft.get(POSTER_VILLAGE, "")) is not None:
        return await _go(update, context, Step.CONFIRM_VILLAGE)
    return await _choose_place(update, context)


async def _choose_place(update: Update, context: BotContext) -> int:
    """Asks for the district, or the commune when there is only one district."""
    draft = _draft(context)
    districts = context.content.places.districts()
    if len(districts) == 1:
        draft["district"] = districts[0].code
        return await _go(update, context, Step.COMMUNE)
    return await _go(update, context, Step.DISTRICT)


async def confirm_poster_village(update: Update, context: BotContext) -> int:
    """Registers the person in the village of the poster they scanned, as they confirmed."""
    draft = _draft(context)
    path = context.content.places.village_path(draft.get(POSTER_VILLAGE, ""))
    if path is None:  # an old or emptied draft: ask the normal way
        return await _choose_place(update, context)
    draft.update(district=path[0].code, commune=path[1].code)
    return await _register(update, context, village_code=path[2].code)


async def other_village(update: Update, context: BotContext) -> int:
    """The poster is not of their village: the normal choice of place, from the district."""
    # The poster's village stays in the draft: the person is still counted as come by it.
    return await _choose_place(update, context)


async def decline(update: Update, context: BotContext) -> int:
    """Forgets everything and says how to come back."""
    assert context.user_data is not None
    await answer(update)
    lang = await language_of(update, context)
    context.user_data.clear()
    await show(update, context.content.texts.get(lang, "consent.declined"))
    return ConversationHandler.END


async def choose_district(update: Update, context: BotContext) -> int | None:
    """Keeps a valid district and asks for the commune."""
    code = _offered(update, (d.code for d in context.content.places.districts()))
    if code is None:
        return await _refuse(update, context, Step.DISTRICT)
    draft = _draft(context)
    draft["district"] = code
    draft.pop("commune", None)
    return await _go(update, context, Step.COMMUNE)


async def choose_commune(update: Update, context: BotContext) -> int | None:
    """Keeps a commune of the chosen district and asks for the village."""
    draft = _draft(context)
    code = _offered(
        update, (c.code for c in context.content.places.communes(draft.get("district", "")))
    )
    if code is None:
        return await _refuse(update, context, Step.COMMUNE)
    draft["commune"] = code
    return await _go(update, context, Step.VILLAGE)


async def choose_village(update: Update, context: BotContext) -> int | None:
    """Registers the person in a village of the chosen commune and asks the optional questions."""
    villages = context.content.places.villages(_draft(context).get("commune", ""))
    code = _offered(update, (v.code for v in villages))
    if code is None:
        return await _refuse(update, context, Step.VILLAGE)
    return await _register(update, context, village_code=code)


async def village_not_listed(update: Update, context: BotContext) -> int:
    """Explains what works without a listed village."""
    return await _go(update, context, Step.NOT_LISTED)


async def accept_not_listed(update: Update, context: BotContext) -> int | None:
    """Registers the person without a village and asks the optional questions."""
    return await _register(update, context, village_code=None)


async def _register(update: Update, context: BotContext, village_code: str | None) -> int:
    assert update.effective_user is not None
    draft = _draft(context)
    consented = draft.get("consented_at")
    if not isinstance(consented, str):  # an old draft from before consent: ask again
        return await _go(update, context, Step.CONSENT)
    lang = await language_of(update, context)
    await context.store.complete_onboarding(
        update.effective_user.id,
        language=lang,
        district_code=draft.get("district"),
        village_code=village_code,
        consented_at=datetime.fromisoformat(consented),
        entry=_entry(draft),
    )
    if context.user_data is not None and context.user_data.pop(DRAFT_LISTEN, None) is True:
        await context.store.set_listening(update.effective_user.id, True)
    became_leader = None
    invite = _invite_hash(draft)
    if invite is not None:
        draft.pop(INVITE_HASH)
        became_leader = await _accept(update, context, invite, lang)
    invited_by = draft.get("invited_by")
    if isinstance(invited_by, str):
        referrer = await context.store.referrer_of(invited_by)
        if referrer is not None:
            news = friend_joined_news(referrer, update.effective_user.id)
            ids = await context.store.count_referral(referrer, update.effective_user.id, news=news)
            await deliver_now(context, ids or [])
    t, places = context.content.texts, context.content.places
    path = places.village_path(village_code) if village_code else None
    if path is None:
        done = t.get(lang, "onboarding.registered_unlisted")
    else:
        _, commune, village = path
        done = t.get(
            lang, "onboarding.registered", village=village.name(lang), commune=commune.name(lang)
        )
    await answer(update)
    question, markup = _gender_screen(context, lang)
    intro = f"{done}\n\n{became_leader}" if became_leader else done
    # The voice says the question; the village she chose is hers, on the screen.
    await show_voiced(update, context, "start.gender", f"{intro}\n\n{question}", markup)
    return Step.GENDER


def _entry(draft: dict[str, Any]) -> tuple[str, str | None]:
    """(channel, poster village) for the report; a draft from before channels counts as typed."""
    channel = draft.get(ENTRY)
    if channel not in {e.value for e in Entry}:
        channel = Entry.TYPED.value
    village = draft.get(POSTER_VILLAGE) if channel == Entry.POSTER.value else None
    return str(channel), village if isinstance(village, str) else None


def _back_to(step: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    async def back(update: Update, context: BotContext) -> int:
        """Goes one step back in the choice of place."""
        return await _go(update, context, step)

    return back


async def choose_gender(update: Update, context: BotContext) -> int | None:
    """Keeps the gender (or the skip) and asks the age group."""
    value = _choice(update)
    if value not in (*GENDERS, "skip"):
        return await _refuse(update, context, Step.GENDER)
    _draft(context)["gender"] = None if value == "skip" else value
    return await _go(update, context, Step.AGE)


async def choose_age(update: Update, context: BotContext) -> int | None:
    """Stores the optional answers, forgets the draft and shows the main menu."""
    assert update.effective_user is not None and context.user_data is not None
    value = _choice(update)
    if value not in (*AGE_BANDS, "skip"):
        return await _refuse(update, context, Step.AGE)
    gender = _draft(context).get("gender")
    await context.store.set_about_me(
        update.effective_user.id,
        gender=gender if gender in GENDERS else None,
        age_band=None if value == "skip" else value,
    )
    context.user_data.pop(DRAFT, None)
    context.user_data.pop(DRAFT_LANGUAGE, None)
    await answer(update)
    # The menu, with one more button on top: a reminder now and then, only if they say yes.
    await menu.send_menu(
        update, context, greeting="onboarding.done", replace=True, extra_rows=offer_rows
    )
    if assisted_open.DRAFT in context.user_data:  # came by a chief's code: now what he wrote
        await assisted_open.show_claim(update, context)
    return ConversationHandler.END


# -- wrong input: say so, show the current screen again, change nothing ----------------------


async def _refuse(update: Update, context: BotContext, step: Step) -> int | None:
    """A press that does not fit this step (old, or forged): a pop-up, then the screen anew."""
    lang = await language_of(update, context)
    await answer(update, context.content.texts.get(lang, "input.button_expired"))
    text, markup = await _screen(context, step, lang)
    await send(update, text, markup)
    return None


def _reprompt(step: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, int | None]]:
    async def reprompt(update: Update, context: BotContext) -> int | None:
        """Answers typing, stickers or photos where a button is expected, staying at this step."""
        if update.callback_query is not None:
            return await _refuse(update, context, step)
        lang = await language_of(update, context)
        text, markup = await _screen(context, step, lang)
        hint = context.content.texts.get(lang, "input.use_buttons")
        await send(update, f"{hint}\n\n{text}", markup)
        return None

    return reprompt


def build_handler() -> ConversationHandler[BotContext]:
    """The onboarding conversation, persistent so a restart resumes at the same screen."""

    def press(callback: Any, suffix: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{suffix}")

    def stay(step: Step) -> list[BaseHandler[Update, BotContext, Any]]:
        # Last in each state: any other onboarding press, or any non-command message.
        return [
            CallbackQueryHandler(_reprompt(step), pattern=rf"^{PREFIX}:"),
            MessageHandler(~filters.COMMAND, _reprompt(step)),
        ]

    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            Step.LANGUAGE: [press(choose_language, "lang:"), *stay(Step.LANGUAGE)],
            Step.CONSENT: [press(_to(Step.CONSENT_KEPT), "consent:kept$"), *stay(Step.CONSENT)],
            Step.CONSENT_KEPT: [
                press(_to(Step.CONSENT_ERASE), "consent:erase$"),
                *stay(Step.CONSENT_KEPT),
            ],
            Step.CONSENT_ERASE: [
                press(agree, "consent:yes$"),
                press(decline, "consent:no$"),
                *stay(Step.CONSENT_ERASE),
            ],
            Step.DISTRICT: [press(choose_district, "district:"), *stay(Step.DISTRICT)],
            Step.COMMUNE: [
                press(choose_commune, "commune:"),
                press(_back_to(Step.DISTRICT), "back$"),
                *stay(Step.COMMUNE),
            ],
            Step.VILLAGE: [
                press(choose_village, "village:"),
                press(village_not_listed, "unlisted$"),
                press(_back_to(Step.COMMUNE), "back$"),
                *stay(Step.VILLAGE),
            ],
            Step.NOT_LISTED: [
                press(accept_not_listed, "unlisted:ok$"),
                press(_back_to(Step.VILLAGE), "back$"),
                *stay(Step.NOT_LISTED),
            ],
            Step.GENDER: [press(choose_gender, "gender:"), *stay(Step.GENDER)],
            Step.AGE: [press(choose_age, "age:"), *stay(Step.AGE)],
            Step.CONFIRM_VILLAGE: [
                press(confirm_poster_village, "poster:yes$"),
                press(other_village, "poster:no$"),
                # Shown instead when the poster's village left the places since (a restart).
                press(choose_district, "district:"),
                *stay(Step.CONFIRM_VILLAGE),
            ],
        },
        fallbacks=leaving_handlers(DRAFT),
        allow_reentry=True,
        name="onboarding",
        persistent=True,
    )
