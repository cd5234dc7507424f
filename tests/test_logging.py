"""At any logging level the log holds ids and event names: no token, nothing people typed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logsafety import FLOORS, REDACTED, setup_logging
from tests.support.chat import TEST_TOKEN, Bot
from tests.support.journeys import STAFF_ID, onboard, register_departure

NAME, PHONE, FIRST_NAME = "Srey Mom", "012 345 678", "Chanthou"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging changes the whole process's logging: put it back after the test.

    Asked for before caplog, so it is undone after caplog has put back what it changed.
    """
    root = logging.getLogger()
    factory, level, handlers = logging.getLogRecordFactory(), root.level, list(root.handlers)
    floors = {name: logging.getLogger(name).level for name in FLOORS}
    yield
    logging.setLogRecordFactory(factory)
    root.setLevel(level)
    root.handlers[:] = handlers
    for name, floor in floors.items():
        logging.getLogger(name).setLevel(floor)


async def journey(tmp_path: Path) -> None:
    """Onboarding, a departure with a name and a phone number, an SOS, /mydata."""
    harness = await Bot(tmp_path / "bot.sqlite3").start(staff_user_ids=frozenset({STAFF_ID}))
    try:
        villager = harness.user(4001, FIRST_NAME)
        await onboard(villager)
        await register_departure(villager, name=NAME)  # the family phone is 012 345 678
        await villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")
        await villager.send("/sos")
        await villager.send("/mydata")
        assert NAME in "".join(s.text for s in harness.telegram.shown)  # it was really shown
    finally:
        await harness.stop()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "\n".join(r.getMessage() for r in caplog.records)


async def test_a_journey_at_debug_logs_neither_the_token_nor_typed_names_or_phones(
    restore_logging: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG", secrets=(TEST_TOKEN,))  # what bot.py does with logging.level: DEBUG
    caplog.set_level(logging.DEBUG)
    await journey(tmp_path)
    text = logged(caplog)
    assert "update id=" in text and "departure_registered" in text  # the bot's own lines
    assert TEST_TOKEN not in text
    for typed in (NAME, PHONE, PHONE.replace(" ", ""), FIRST_NAME):
        assert typed not in text, typed


async def test_without_the_floors_the_libraries_would_log_both(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The check above is not empty: plain DEBUG logging shows the token and a typed name."""
    caplog.set_level(logging.DEBUG)
    await journey(tmp_path)
    text = logged(caplog)
    assert TEST_TOKEN in text and NAME in text


def test_the_token_is_redacted_from_every_logger_and_from_tracebacks(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("DEBUG", secrets=(TEST_TOKEN, "webhook-secret"))
    caplog.set_level(logging.DEBUG)
    url = f"https://api.telegram.org/bot{TEST_TOKEN}/sendMessage"
    logging.getLogger("httpx").error("HTTP Request: POST %s", url)
    logging.getLogger("bot.updates").info("secret=%s", "webhook-secret")
    try:
        raise ConnectionError(f"cannot reach {url}")
    except ConnectionError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed")
    text = caplog.text
    assert TEST_TOKEN not in text and "webhook-secret" not in text
    assert f"POST https://api.telegram.org/bot{REDACTED}/sendMessage" in text
    assert f"ConnectionError: cannot reach https://api.telegram.org/bot{REDACTED}" in text


def test_library_loggers_stay_at_their_floor_whatever_the_level(restore_logging: None) -> None:
    setup_logging("DEBUG", secrets=())
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("telegram.ext.ExtBot").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("telegram.ext.Application").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("conversations.groups").getEffectiveLevel() == logging.DEBUG
    setup_logging("ERROR", secrets=())
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.ERROR


def test_the_updates_ptb_logs_at_critical_keep_only_their_type(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    """PTB logs a whole update when it cannot build a context, and a webhook body it cannot
    read, at CRITICAL: no level floor stops those, so only their type is kept."""
    setup_logging("INFO", secrets=(TEST_TOKEN,))
    caplog.set_level(logging.DEBUG)
    update = {"message": {"text": f"I am {NAME}, call {PHONE}"}}
    logging.getLogger("telegram.ext.Application").critical(
        "Error while building CallbackContext for update %s", update
    )
    logging.getLogger("telegram.ext.Updater").critical("Received data was: %r", PHONE.encode())
    assert NAME not in caplog.text and PHONE not in caplog.text
    assert "for update <dict>" in caplog.text and "was: '<bytes>'" in caplog.text


def test_rendering_a_poster_logs_no_line_from_the_font_tools(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    """fontTools wrote about fifteen INFO lines per PDF ("Glyph IDs", "subsetting"): noise."""
    from printables.posters import poster_pdf, villages_for, with_links
    from tests.test_posters import NESAT, USERNAME, _content

    setup_logging("INFO", secrets=(TEST_TOKEN,))  # what bot.py does by default
    caplog.set_level(logging.INFO)
    content = _content()
    poster = with_links(villages_for(content, village=NESAT), USERNAME)[0]
    assert poster_pdf(content, poster, USERNAME).startswith(b"%PDF")
    ours = ("app", "access", "conversations", "operations", "printables")
    chatter = [r for r in caplog.records if not r.name.startswith(ours)]
    assert chatter == [], [(r.name, r.getMessage()) for r in chatter[:3]]
