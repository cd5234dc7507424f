"""One simulated villager's first day, as the throughput and memory benchmarks walk it.

Its own module so that both sides of the throughput benchmark (the bot's process and Telegram's,
``benchmarks/telegram_side.py``) can use it without importing each other.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tests.support.chat import Person
from tests.support.journeys import onboard, register_departure

NEXT_QUESTION = "សំណួរបន្ទាប់ ➡️"
RESULT = "មើលលទ្ធផលរបស់ខ្ញុំ"
ROUND_RESULT = "មើលលទ្ធផលជុំនេះ ➡️"
GO_ON = "▶️ បន្ត៖ ជុំទី"  # the next round of the check: "▶️ បន្ត៖ ជុំទី ២ ក្នុងចំណោម ៣"
SEND_TO_LEADER = "✅ បាទ/ចាស ផ្ញើទៅមេភូមិ"


def sender_of(data: dict[str, Any]) -> int:
    """Who sent this update (a message or a button press)."""
    for kind in ("message", "callback_query"):
        if kind in data:
            return int(data[kind]["from"]["id"])
    return 0


async def replay_by_person(
    updates: list[dict[str, Any]], through: Callable[[dict[str, Any]], Awaitable[float]]
) -> list[float]:
    """The same people send the same updates, each in their own order, all at once: how long
    ``through`` took for each update."""
    people: dict[int, list[dict[str, Any]]] = {}
    for data in updates:
        people.setdefault(sender_of(data), []).append(data)
    samples: list[float] = []

    async def one(sent: list[dict[str, Any]]) -> None:
        for data in sent:
            samples.append(await through(data))

    await asyncio.gather(*(one(sent) for sent in people.values()))
    return samples


async def walk(person: Person, questions: Sequence[Any]) -> None:
    """One villager's first day: onboarding, a lesson, the quiz, a departure told to the chief."""
    await onboard(person)
    await person.send("/learn")
    await person.click("📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ")
    for _ in range(4):
        await person.click("បន្ទាប់ ➡️")
    await person.click("✅ រៀនចប់ហើយ")
    await person.send("/quiz")
    await person.click("▶️ ចាប់ផ្ដើម")
    for number, question in enumerate(questions, start=1):
        option = question.options[number % len(question.options)]  # right and wrong answers
        await person.click(option_letter(person, option.texts["km"]))
        if number == len(questions):
            await person.click(RESULT)
        elif NEXT_QUESTION in person.buttons():
            await person.click(NEXT_QUESTION)
        else:  # the end of a round of the check: its result, then on to the next round
            await person.click(ROUND_RESULT)
            await person.click(next(b for b in person.buttons() if b.startswith(GO_ON)))
    await register_departure(person)
    await person.click(SEND_TO_LEADER)


def option_letter(person: Person, option: str) -> str:
    """The letter on the button beside this option, read from the question as a person reads it.

    The options are written out in the message ("ក. …"); the buttons carry only their letters.
    """
    shown = html.unescape(re.sub(r"<[^>]+>", "", person.last_text()))
    for letter in person.buttons():
        if f"\n{letter}. {option}\n" in f"{shown}\n":
            return letter
    raise AssertionError(f"no option {option!r} among {person.buttons()} in {shown!r}")
