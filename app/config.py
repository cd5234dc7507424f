"""Settings: YAML file, then environment overrides, checked so a typo names its key."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from domain.parsing import parse_duration
from domain.schedule import Ladder, Window

log = logging.getLogger(__name__)
PROJECT_DIR = Path(__file__).resolve().parent.parent
LANGUAGES = ("km", "en")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the file and key."""


@dataclass(frozen=True)
class WebhookConfig:
    listen: str
    port: int
    url: str
    path: str
    secret_token: str


@dataclass(frozen=True)
class Config:
    token: str
    base_url: str
    mode: str
    max_messages_per_second: int  # the sending cap, spread evenly (0: no cap, for tests)
    webhook: WebhookConfig
    database: Path
    persistence_interval: timedelta
    districts: tuple[str, ...]
    places_scope: str
    default_language: str
    timezone: ZoneInfo
    staff_user_ids: frozenset[int]
    staff_chat_id: int
    ack_timeout: timedelta
    invite_valid: timedelta
    relink_valid: timedelta  # how long a new-phone code can be used
    assisted_valid: timedelta  # how long a chief's registration waits for the villager's phone
    sweep_interval: timedelta
    ladder: Ladder
    window: Window
    reminder_after: timedelta
    leader_after: timedelta
    retry_after: timedelta  # the longest wait between two tries of a failed send
    outbox_interval: timedelta  # how often the outbox is looked at for retries that fell due
    give_up_after: timedelta  # a message still undelivered after this long has failed
    time_zones: dict[str, ZoneInfo]
    quiz_pass_percent: int
    riel_per_dollar: int
    log_level: str
    draft_ttl: timedelta  # an unfinished form nobody touched for this long is erased
    case_note_after: timedelta  # a case taken on with no note for this long: its handler is asked
    take_on_high: timedelta  # a high-risk case nobody took on this long: everyone is reminded
    take_on: timedelta  # any other case nobody took on this long: the same, and staff are told
    refresher_every: timedelta  # time between two refreshers to someone who said yes
    about_operator: str  # who runs this bot, shown by /about ("" when not set)
    about_contact: str  # how to reach them
    source: str  # where the settings came from, for messages
    # Reminders before a passport, visa, work permit or contract ends: days before (falling),
    # and how long "remind me later" waits.
    document_days: tuple[int, ...] = (120, 30, 7)
    document_later: timedelta = timedelta(days=3)

    @property
    def silence_days(self) -> int:
        """Days without an answer before the chief is alerted: two reminders, then the alert."""
        silent = self.reminder_after + self.reminder_after + self.leader_after
        return max(1, round(silent.total_seconds() / 86400))


# Every setting with its default. The shape of this dict is the schema: a key not here is a typo.
DEFAULTS: dict[str, dict[str, Any]] = {
    "telegram": {
        "token": "",
        "base_url": "",
        "mode": "polling",
        "max_messages_per_second": 30,
        "webhook": {
            "listen": "127.0.0.1",
            "port": 8443,
            "url": "",
            "path": "telegram",
            "secret_token": "",
        },
    },
    "storage": {"database": "data/bot.sqlite3", "persistence_interval": "2s"},
    "places": {"districts": ["0906", "0901"], "scope": "pilot"},
    "bot": {"default_language": "km", "timezone": "Asia/Phnom_Penh"},
    "staff": {"user_ids": [], "chat_id": 0},
    "leaders": {
        "ack_timeout": "24h",
        "invite_valid": "7d",
        "relink_valid": "72h",
        "assisted_valid": "72h",
        "sweep_interval": "60s",
    },
    "checkins": {
        "ladder_days": [1, 7, 14, 30],
        "then_every_days": 30,
        "window_start": "08:00",
        "window_end": "19:00",
        "reminder_after": "24h",
        "leader_after": "24h",
        "retry_after": "5m",
        "time_zones": {
            "KH": "Asia/Phnom_Penh",
            "TH": "Asia/Bangkok",
            "MY": "Asia/Kuala_Lumpur",
            "KR": "Asia/Seoul",
            "OTHER": "Asia/Phnom_Penh",
        },
    },
    "outbox": {"interval": "2s", "give_up_after": "3d"},
    "awareness": {"quiz_pass_percent": 80, "riel_per_dollar": 4000},
    "logging": {"level": "INFO"},
    "privacy": {"draft_ttl": "14d"},
    "cases": {"note_reminder_after": "2d", "take_on_high": "1h", "take_on": "3h"},
    "documents": {"reminder_days": [120, 30, 7], "remind_later": "3d"},
    "refreshers": {"every": "14d"},
    "about": {"operator": "", "contact": ""},
}
ABOUT_MAX = 300  # characters of about.operator or about.contact: a line or two on a phone
REFRESHERS_AT_MOST = timedelta(days=7)  # never more than one refresher a week


NO_STAFF = (
    "No programme staff are set (staff.user_ids and staff.chat_id are both empty): an SOS, an "
    "alert or a departure notice then reaches only the village's leaders, and nobody at all in "
    "a village without a leader or when no leader answers. Put staff's Telegram user ids in "
    "staff.user_ids (and a staff group in staff.chat_id) in the config file."
)


def no_staff_warning(config: Config) -> str | None:
    """What to say loudly at start and in `bot.py check` when nobody on the staff would be told."""
    if config.staff_user_ids or config.staff_chat_id:
        return None
    return NO_STAFF


def load_config(
    path: Path | None, environ: dict[str, str] | None = None, *, must_exist: bool = False
) -> Config:
    """Reads the YAML file (if any), applies environment overrides and checks every value.

    Without a file the defaults apply, so a token in the environment is all a fresh clone needs.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None and path.exists():
        source = str(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise ConfigError(f"{path}: cannot read it as YAML: {error}") from error
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of sections")
        raw = loaded
    elif path is not None and must_exist:
        raise ConfigError(f"{path}: no such config file")
    merged = _merge(DEFAULTS, raw, source, "")
    base_dir = path.resolve().parent if path is not None and path.exists() else PROJECT_DIR
    return _build(merged, env, source, base_dir)


# Settings of earlier versions that are no longer read: a config file that still has them loads,
# with a warning that says what decides instead (an upgrade must not stop the bot).
RETIRED = {
    "checkins.staff_after": "cases.take_on and cases.take_on_high decide when staff are told",
}


def _merge(defaults: dict[str, Any], given: dict[str, Any], source: str, prefix: str) -> Any:
    merged = dict(defaults)
    for key, value in given.items():
        name = f"{prefix}{key}"
        if name in RETIRED:
            log.warning("config_setting_retired key=%s instead=%s", name, RETIRED[name])
            continue
        if key not in defaults:
            raise ConfigError(f"{source}: {name}: unknown setting (see config.example.yaml)")
        if isinstance(defaults[key], dict):
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: {name}: must be a section of settings")
            merged[key] = _merge(defaults[key], value, source, f"{name}.")
        else:
            merged[key] = value
    return merged


def _text(value: Any, source: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{source}: {key}: must be text (put it in quotes)")
    return value.strip()


def _choice(value: Any, options: tuple[str, ...], source: str, key: str) -> str:
    text = _text(value, source, key)
    if text not in options:
        raise ConfigError(f"{source}: {key}: must be one of {', '.join(options)}, not {text!r}")
    return text


def _duration(value: Any, source: str, key: str) -> timedelta:
    try:
        duration = parse_duration(_text(value, source, key))
    except ValueError as error:
        raise ConfigError(f"{source}: {key}: {error}") from error
    if duration <= timedelta(0):
        raise ConfigError(f"{source}: {key}: must be longer than zero")
    return duration


def _checkins(raw: dict[str, Any], source: str) -> dict[str, Any]:
    days = raw["ladder_days"]
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in days)
        or days != sorted(set(days))
    ):
        raise ConfigError(f"{source}: checkins.ladder_days: must be rising whole days, e.g. [1, 7]")
    every = _whole(raw["then_every_days"], 1, 365, source, "checkins.then_every_days")
    start = _clock_time(raw["window_start"], source, "checkins.window_start")
    end = _clock_time(raw["window_end"], source, "checkins.window_end")
    if not start < end:
        raise ConfigError(f"{source}: checkins.window_end: must be after window_start")
    zones_raw = raw["time_zones"]
    if not isinstance(zones_raw, dict) or "OTHER" not in zones_raw or "KH" not in zones_raw:
        raise ConfigError(f"{source}: checkins.time_zones: needs at least KH and OTHER")
    zones = {}
    for code, name in zones_raw.items():
        try:
            zones[str(code)] = ZoneInfo(_text(name, source, f"checkins.time_zones.{code}"))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(f"{source}: checkins.time_zones.{code}: unknown time zone") from error
    return {
        "ladder": Ladder(tuple(days), every),
        "window": Window(start, end),
        **{
            key: _duration(raw[key], source, f"checkins.{key}")
            for key in ("reminder_after", "leader_after", "retry_after")
        },
        "time_zones": zones,
    }


def _documents(raw: dict[str, Any], source: str) -> dict[str, Any]:
    days = raw["reminder_days"]
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 400 for d in days)
        or sorted(set(days), reverse=True) != days
    ):
        raise ConfigError(
            f"{source}: documents.reminder_days: must be falling whole days, e.g. [120, 30, 7]"
        )
    return {
        "document_days": tuple(days),
        "document_later": _duration(raw["remind_later"], source, "documents.remind_later"),
    }


def _clock_time(value: Any, source: str, key: str) -> time:
    text = _text(value, source, key)
    try:
        return time.fromisoformat(text)
    except ValueError as error:
        raise ConfigError(f'{source}: {key}: must be a quoted time like "08:00"') from error


def _whole(value: Any, low: int, high: int, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{source}: {key}: must be a whole number from {low} to {high}")
    return value


def _build(raw: dict[str, Any], env: Any, source: str, base_dir: Path) -> Config:
    tg, hook = raw["telegram"], raw["telegram"]["webhook"]
    token = env.get("TELEGRAM_BOT_TOKEN") or _text(tg["token"], source, "telegram.token")
    base_url = env.get("TELEGRAM_API_BASE_URL") or _text(
        tg["base_url"], source, "telegram.base_url"
    )
    mode = _choice(tg["mode"], ("polling", "webhook"), source, "telegram.mode")
    max_rate = _whole(
        tg["max_messages_per_second"], 0, 1000, source, "telegram.max_messages_per_second"
    )
    port = hook["port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{source}: telegram.webhook.port: must be a port number (1-65535)")
    webhook = WebhookConfig(
        listen=_text(hook["listen"], source, "telegram.webhook.listen"),
        port=port,
        url=_text(hook["url"], source, "telegram.webhook.url"),
        path=_text(hook["path"], source, "telegram.webhook.path").strip("/"),
        secret_token=_text(hook["secret_token"], source, "telegram.webhook.secret_token"),
    )
    if mode == "webhook" and not (webhook.url and webhook.secret_token):
        raise ConfigError(
            f"{source}: telegram.webhook: webhook mode needs both url and secret_token"
        )
    if webhook.secret_token and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook.secret_token):
        raise ConfigError(  # Telegram would refuse it at setWebhook; the value is never shown
            f"{source}: telegram.webhook.secret_token: use 1-256 characters of A-Z, a-z, 0-9, _ -"
        )
    database = Path(_text(raw["storage"]["database"], source, "storage.database"))
    if not database.parts:
        raise ConfigError(f"{source}: storage.database: must name a file")
    try:
        interval = parse_duration(
            _text(raw["storage"]["persistence_interval"], source, "storage.persistence_interval")
        )
    except ValueError as error:
        raise ConfigError(f"{source}: storage.persistence_interval: {error}") from error
    districts = raw["places"]["districts"]
    if not isinstance(districts, list) or not districts:
        raise ConfigError(f"{source}: places.districts: must be a list of district codes")
    for code in districts:
        if not isinstance(code, str) or not (code.isdigit() and len(code) == 4):
            raise ConfigError(
                f"{source}: places.districts: {code!r} is not a 4-digit district code in quotes"
            )
    scope = _choice(raw["places"]["scope"], ("pilot", "all"), source, "places.scope")
    language = _choice(raw["bot"]["default_language"], LANGUAGES, source, "bot.default_language")
    zone_name = _text(raw["bot"]["timezone"], source, "bot.timezone")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"{source}: bot.timezone: unknown time zone {zone_name!r}") from error
    staff = raw["staff"]["user_ids"]
    if not isinstance(staff, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in staff
    ):
        raise ConfigError(f"{source}: staff.user_ids: must be a list of Telegram user ids")
    leaders = {
        key: _duration(raw["leaders"][key], source, f"leaders.{key}")
        for key in (
            "ack_timeout",
            "invite_valid",
            "relink_valid",
            "assisted_valid",
            "sweep_interval",
        )
    }
    checkins = _checkins(raw["checkins"], source)
    outbox = {
        key: _duration(raw["outbox"][key], source, f"outbox.{key}")
        for key in ("interval", "give_up_after")
    }
    staff_chat = raw["staff"]["chat_id"]
    if isinstance(staff_chat, bool) or not isinstance(staff_chat, int):
        raise ConfigError(f"{source}: staff.chat_id: must be a Telegram chat id (a number), or 0")
    pass_percent = _whole(
        raw["awareness"]["quiz_pass_percent"], 1, 100, source, "awareness.quiz_pass_percent"
    )
    riel = _whole(
        raw["awareness"]["riel_per_dollar"], 1, 100_000, source, "awareness.riel_per_dollar"
    )
    level = _choice(
        str(raw["logging"]["level"]).upper(),
        ("DEBUG", "INFO", "WARNING", "ERROR"),
        source,
        "logging.level",
    )
    about = {
        key: _text(raw["about"][key], source, f"about.{key}") for key in ("operator", "contact")
    }
    for key, text in about.items():
        if len(text) > ABOUT_MAX:
            raise ConfigError(f"{source}: about.{key}: at most {ABOUT_MAX} characters, please")
    every = _duration(raw["refreshers"]["every"], source, "refreshers.every")
    if every < REFRESHERS_AT_MOST:
        raise ConfigError(f"{source}: refreshers.every: at least 7d (never more than one a week)")
    return Config(
        token=token.strip(),
        base_url=base_url.strip().rstrip("/"),
        mode=mode,
        max_messages_per_second=max_rate,
        webhook=webhook,
        database=database if database.is_absolute() else base_dir / database,
        persistence_interval=interval,
        districts=tuple(districts),
        places_scope=scope,
        default_language=language,
        timezone=zone,
        staff_user_ids=frozenset(staff),
        staff_chat_id=staff_chat,
        ack_timeout=leaders["ack_timeout"],
        invite_valid=leaders["invite_valid"],
        relink_valid=leaders["relink_valid"],
        assisted_valid=leaders["assisted_valid"],
        sweep_interval=leaders["sweep_interval"],
        **checkins,
        outbox_interval=outbox["interval"],
        give_up_after=outbox["give_up_after"],
        quiz_pass_percent=pass_percent,
        riel_per_dollar=riel,
        log_level=level,
        draft_ttl=_duration(raw["privacy"]["draft_ttl"], source, "privacy.draft_ttl"),
        case_note_after=_duration(
            raw["cases"]["note_reminder_after"], source, "cases.note_reminder_after"
        ),
        take_on_high=_duration(raw["cases"]["take_on_high"], source, "cases.take_on_high"),
        take_on=_duration(raw["cases"]["take_on"], source, "cases.take_on"),
        refresher_every=every,
        about_operator=about["operator"],
        about_contact=about["contact"],
        source=source,
        **_documents(raw["documents"], source),
    )
