"""The composition root: one function builds the Application that bot.py runs and tests drive."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults, TypeHandler
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from app.config import Config
from app.context import SERVICES_KEY, BotApplication, BotContext, Services
from app.rate_limit import RateLimiter
from app.update_order import PerUserOrder
from content.bundle import CONTENT_DIR, load_content
from conversations import (
    about,
    agencies,
    announce,
    assisted,
    assisted_open,
    broker_report,
    calculator,
    cases,
    checkin_answers,
    departure,
    documents,
    drafts,
    errors,
    groups,
    hotlines,
    language,
    leader,
    learn,
    lesson_quiz,
    listening,
    location,
    menu,
    message_choices,
    missing,
    my_departures,
    notices,
    onboarding,
    printouts,
    privacy,
    quiz,
    recording,
    relink,
    relink_open,
    report,
    returning,
    share,
    sos,
    staff,
    status,
    unknown,
    voice_in,
)
from conversations.switching import Switchboard
from delivery import sweep as sweeps
from domain.clock import Clock
from storage.persistence import SqlitePersistence
from storage.store import Store

log = logging.getLogger(__name__)

# Each conversation keeps one inline keyboard live at a time, so per_message=False is right and
# PTB's warning about it is noise (pyproject.toml silences the same message under pytest).
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

# Handler groups, in the order PTB runs them. PTB runs the first matching handler of each group
# and goes on to the next group unless one raises ApplicationHandlerStop, so each early handler
# that may let an update pass has a group of its own: one that matched and passed must not keep
# the next from seeing it (a voice reply after /sos reached neither the note handler nor the
# cry for help while both shared a group).
GUARD = -8  # groups and channels: only a pointer to the private chat (the staff group's buttons)
EXPIRED = -7  # an unfinished form that expired is said once
NOTES = -6  # a reply to "add a note to case N" (or a relative's words) is that, wherever typed
LOCATION = -5  # a location, or "No thanks", after /sos: before any form left open
VOICE = -4  # a voice that answers an open cry for help: before any form left open
LOG = -2
BEFORE = -1
MAIN = 0
AFTER = 100  # runs after the main group has finished with the update

# Updates handled at once, each person's still one after another (app/update_order.py). While
# one person's answer is on its way to Telegram, the bot goes on with others; more than 16 at a
# time would not help, as Telegram takes about 30 messages a second from a bot in all.
MAX_CONCURRENT_UPDATES = 16


async def open_services(config: Config, clock: Clock, content_dir: Path = CONTENT_DIR) -> Services:
    """Loads and checks all content, then opens the database (running migrations)."""
    content = load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
        content_dir=content_dir,
    )
    store = await Store.open(config.database, clock)
    return Services(config=config, store=store, content=content, clock=clock)


def build_application(services: Services, *, request: BaseRequest | None = None) -> BotApplication:
    """Builds the bot: settings, persistence, every handler in one commented place."""
    config = services.config
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .persistence(SqlitePersistence(services.store, config.persistence_interval.total_seconds()))
        .rate_limiter(rate_limiter(config.max_messages_per_second))
        # Conversations need one person's updates in order (ECOSYSTEM-NOTES): different people's
        # run at the same time, one person's strictly one after another.
        .concurrent_updates(PerUserOrder(max_concurrent=MAX_CONCURRENT_UPDATES))
    )
    if config.base_url:
        builder = builder.base_url(f"{config.base_url}").base_file_url(
            f"{config.base_url.removesuffix('/bot')}/file/bot"
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: BotApplication = builder.build()  # type: ignore[assignment]
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[status.STARTED_KEY] = services.clock.now()
    _add_handlers(application)
    return application


SPACING_MARGIN = 0.03  # seconds over a second that ``per_second`` + 1 messages span at least


def rate_limiter(per_second: int) -> AIORateLimiter:
    """Stays under Telegram's ~30 messages/s; retries a RetryAfter instead of losing a message.

    One message every 1/``per_second`` s and a little more, never a burst: PTB's default limiter
    lets 30 through at once after any pause, and up to 59 fell in one second
    (benchmarks/sending.py). Spaced exactly 1/30 s, 31 messages span exactly 1 s when they take
    their turn, and any wait between the turn and Telegram (the event loop, the network) can
    put all 31 inside one second where Telegram counts: 31 were measured. The margin makes 31
    span SPACING_MARGIN s more than a second. 0: no cap. Limits per group (20 a minute) are
    PTB's defaults either way.
    """
    if per_second == 0:
        return RateLimiter(overall_max_rate=0, max_retries=3)
    spacing = (1 + SPACING_MARGIN) / per_second
    return RateLimiter(overall_max_rate=1, overall_time_period=spacing, max_retries=3)


def _add_handlers(application: BotApplication) -> None:
    # Persistent conversations, each with the draft it keeps; one is open at a time.
    forms = Switchboard()
    texts = application.bot_data[SERVICES_KEY].content.texts
    no_thanks = [texts.raw(lang, "case.location_no") for lang in texts.languages]
    # A keyboard sent before the button had its ✖️ still sends the words alone.
    no_thanks += [label.partition(" ")[2] for label in no_thanks if " " in label]
    handlers: list[Any] = [
        # Conversations first: while one is active it sees the person's messages first.
        forms.add(onboarding.build_handler(), onboarding.DRAFT),
        forms.add(calculator.build_handler(), calculator.DRAFT),
        forms.add(broker_report.build_handler(), broker_report.DRAFT),
        forms.add(missing.build_handler(), missing.DRAFT),
        forms.add(departure.build_handler(), departure.DRAFT),
        forms.add(assisted.build_handler(), assisted.DRAFT),
        forms.add(my_departures.build_dates_handler(), my_departures.DRAFT),
        forms.add(returning.build_handler(), returning.DRAFT),
        forms.add(documents.build_handler(), documents.DRAFT),
        forms.add(announce.build_handler(), announce.DRAFT),
        # Commands and buttons that work anywhere.
        *menu.build_handlers(),
        *learn.build_handlers(),
        *quiz.build_handlers(),
        *lesson_quiz.build_handlers(),
        *share.build_handlers(),
        *agencies.build_handlers(),
        *broker_report.build_handlers(),
        *my_departures.build_handlers(),
        *checkin_answers.build_handlers(),
        *documents.build_handlers(),
        *sos.build_handlers(),
        *returning.build_handlers(),
        *cases.build_handlers(),
        *missing.build_handlers(),
        *notices.build_handlers(),
        *leader.build_handlers(),
        *staff.build_handlers(),
        *relink.build_handlers(),
        *relink_open.build_handlers(),
        *assisted_open.build_handlers(),
        *printouts.build_handlers(),
        *report.build_handlers(),
        *message_choices.build_handlers(),
        *status.build_handlers(),
        *hotlines.build_handlers(),
        *about.build_handlers(),
        *privacy.build_handlers(),
        *language.build_handlers(),
        # Khmer voice: staff record it, people hear it; voice messages sent to the bot.
        *recording.build_handlers(),
        *listening.build_handlers(),
        *voice_in.build_handlers(application.bot_data[SERVICES_KEY].config.staff_user_ids),
        # Whatever nobody took: an answer, never silence.
        *unknown.build_handlers(),
    ]
    # Before anything else: in a group or channel only a line pointing to the private chat (the
    # staff group keeps its alert and notice buttons); other groups the bot is added to, it leaves.
    application.add_handlers(groups.build_handlers(), group=GUARD)
    # Then: someone whose unfinished form expired is told so once, before their update is handled.
    application.add_handlers(drafts.build_handlers(), group=EXPIRED)
    # A reply to the bot's "add a note to case N" is the note, wherever it is typed.
    application.add_handlers(cases.note_handlers(), group=NOTES)
    # A location or "No thanks" after /sos, before any form left open could take it.
    application.add_handlers(location.build_handlers(no_thanks), group=LOCATION)
    application.add_handlers(voice_in.early_handlers(), group=VOICE)
    # First of all: one log line per update (ids and kinds only).
    application.add_handler(TypeHandler(Update, status.log_update), group=LOG)
    # Before everything: a command or a form's entry button leaves any other open form.
    application.add_handler(TypeHandler(Update, forms.switch), group=BEFORE)
    application.add_handlers(handlers, group=MAIN)
    # After every update: write conversation states and drafts now, not within the next
    # persistence interval, so a crash right after a step does not lose the step.
    application.add_handler(TypeHandler(Update, _flush), group=AFTER)
    application.add_error_handler(errors.on_error)
    # The sweep also lets forms left untouched expire (the handlers' own hourly task).
    application.bot_data[sweeps.FORM_TASKS_KEY] = (drafts.expire_drafts,)
    # The JobQueue only ticks: what is due lives in the database, so a restart loses nothing.
    if application.job_queue is not None:
        interval = application.bot_data[SERVICES_KEY].config.sweep_interval.total_seconds()
        application.job_queue.run_repeating(
            sweeps.sweep, interval=interval, first=interval, name="sweep"
        )
        # The outbox's own tick: a retry goes out when it falls due, not at the next sweep.
        drain_every = application.bot_data[SERVICES_KEY].config.outbox_interval.total_seconds()
        if drain_every > 0:
            application.job_queue.run_repeating(
                sweeps.drain_job, interval=drain_every, first=drain_every, name="outbox"
            )


async def _flush(update: Update, context: BotContext) -> None:
    """Writes the conversation states and drafts this update changed.

    Other people's updates run meanwhile. PTB runs one ``update_persistence`` at a time (its own
    lock) and copies the data before writing, so this waits for a write already under way that
    may hold this person's step, and writes whatever is marked by then: this step is on disk when
    it returns. Other people's finished steps may be written here too; that is harmless.
    """
    if update.effective_user is not None:
        # PTB marks user_data for writing only after the last handler group; mark it now.
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    try:
        await context.application.update_persistence()
    except Exception as error:
        # The person's step itself succeeded (its rows are written by the store); only the
        # conversation position may be stale. Log it; do not apologise a second time.
        log.error("persistence_failed update=%s error=%s", update.update_id, type(error).__name__)
