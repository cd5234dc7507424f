"""The who-sees-what policy as a table: every screen, as every viewer, in every circumstance.

One world per circumstance is built through the real flows: a villager registers a trip (with
the reason of the circumstance), asks for help, sends her location and a voice; staff take the
case on and write a note; her mother reports her missing with her registration number; she
answers the private question as the circumstance says; staff note the family's case. Then each
viewer -- the person, a chief of the village, a chief whose role was revoked, a chief of another
village, staff, the family member who asked, a stranger -- pulls every screen there is, and
everything the bot ever showed them is read. A piece of the record the policy hides from a
viewer (``domain/visibility.py``) must appear nowhere in it; a few it shows must appear, so the
markers are known to work. A new screen must be added to PULLS or be a message the flows push;
``test_every_module_reading_a_record_is_a_screen_of_this_table`` keeps that honest.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest

from content.formatting import format_day
from domain.departure import stored_reason
from domain.visibility import Circumstances, Piece, Show, Viewer, circumstances_of, show
from tests.support.chat import Bot, Person
from tests.support.journeys import (
    STAFF_ID,
    make_leader,
    onboard,
    register_departure,
)

pytestmark = pytest.mark.staffed

OTHER_VILLAGE = "09010201"
VIOLENCE, CREDITORS = "អំពើហិង្សាក្នុងគ្រួសារ", "ជំពាក់បំណុល ហើយត្រូវចេញដោយស្ងាត់ៗ"
STAFF_ONLY = "🔒 តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ"
AUDIENCE = {"staff": STAFF_ONLY, "no": "មេភូមិដឹងថាខ្ញុំទៅណា តែមិនដឹងមូលហេតុ"}
AUDIENCE["yes"] = "មេភូមិដឹងទាំងកន្លែង ទាំងមូលហេតុ"
REASON_BUTTONS = {
    "poverty_debt": "ក្រីក្រ ឬជំពាក់បំណុល",
    "violence": VIOLENCE,
    "creditors": CREDITORS,
    "private": "មិនចង់ប្រាប់",
}
RELATIVE_BUTTONS = {
    "safe": "✅ ខ្ញុំមានសុវត្ថិភាព៖ ប្រាប់គេត្រឹមតែប៉ុណ្ណឹង",
    "message": "💬 ខ្ញុំចង់ផ្ញើសារទៅគេ",
    "nothing": "🔒 កុំប្រាប់គេអ្វីទាំងអស់",
    "notme": "🙅 នេះមិនមែននិយាយពីខ្ញុំទេ",
}
NOTE_SOS, NOTE_FAMILY, WORDS = "NOTE-SOS-MARKER", "NOTE-FAMILY-MARKER", "WORDS-MARKER"
FAMILY_PHONE, REPORTED_PHONE = "012 345 678", "097 123 4567"


@dataclass(frozen=True)
class World:
    """One circumstance: the trip's reason, who may know, the relative's answer, erased."""

    reason: str
    audience: str | None = None
    answer: str | None = None
    erased: bool = False


WORLDS = {
    "plain": World("poverty_debt", answer="safe"),
    "violence_shared": World("violence", "yes", answer="message"),
    "violence_reason_hidden": World("violence", "no", answer="nothing"),
    "violence_staff_only": World("violence", "staff", answer="notme"),
    "creditors_staff_only": World("creditors", "staff"),
    "prefers_not_to_say": World("private", answer="safe"),
    "erased": World("poverty_debt", answer="nothing", erased=True),
}


@dataclass
class Seen:
    """Everything the bot showed one viewer from a point on (texts, captions, files)."""

    person: Person
    since: int = 0
    texts: list[str] = field(default_factory=list)


async def pull_everything(bot: Bot, viewer: Person, cases: tuple[int, int]) -> None:
    """Every screen a person can ask for that shows people or cases (PULLS)."""
    for command in PULLS:
        await viewer.send(command)
    for case in cases:  # a forged press for those who have no button
        await viewer.press(f"case:hist:{case}")
    if "relink:pick" in " ".join(viewer.button_data()):
        await viewer.press(next(d for d in viewer.button_data() if d.startswith("relink:pick")))


PULLS = (
    "/away",
    "/export",
    "/stats",
    "/cases",
    "/mydata",
    "/mydepartures",
    "/report all all",
    "/relink",
)


def shown_since(bot: Bot, person: Person, since: int) -> list[str]:
    """What the bot showed this chat after ``since`` entries of the log: messages, edits,
    pop-ups, captions and the content of files."""
    found = []
    for entry in bot.telegram.shown[since:]:
        if entry.chat_id != person.id:
            continue
        found.append(entry.text)
    for message in bot.telegram.chats.get(person.id, []):
        if not message.from_bot or message.message_id <= first_message(bot, person, since):
            continue
        if message.caption:
            found.append(message.caption)
        stored = bot.telegram.files.get(message.file_id or "")
        if message.kind == "document" and stored is not None and stored.name.endswith(".csv"):
            found.append(stored.content.decode("utf-8-sig"))  # /export, /report's numbers
    return found


def first_message(bot: Bot, person: Person, since: int) -> int:
    """The id of this chat's newest message shown before ``since`` entries of the log."""
    ids = [
        e.message_id
        for e in bot.telegram.shown[:since]
        if e.chat_id == person.id and e.message_id is not None
    ]
    return max(ids, default=0)


async def build(bot: Bot, world: World) -> tuple[dict[Viewer, Seen], Circumstances, Circumstances]:
    """Builds the world through the flows; returns what each viewer saw, and the circumstances
    of the person's record and of the family's case."""
    staff = bot.user(STAFF_ID, "Staff", "en")
    chief, revoked = bot.user(7101, "Chief"), bot.user(7102, "Second chief")
    elsewhere, mother = bot.user(7103, "Far chief"), bot.user(7104, "Mother")
    stranger, owner = bot.user(7105, "Neighbour"), bot.user(7106, "Owner")
    await onboard(staff, "en")
    await make_leader(bot, chief)
    await make_leader(bot, revoked)
    await make_leader(bot, elsewhere, village=OTHER_VILLAGE)
    for person in (mother, stranger, owner):
        await onboard(person)
    seen = {
        Viewer.PERSON: Seen(owner),
        Viewer.CHIEF: Seen(chief, len(bot.telegram.shown)),
        Viewer.REVOKED_CHIEF: Seen(revoked),
        Viewer.CHIEF_ELSEWHERE: Seen(elsewhere, len(bot.telegram.shown)),
        Viewer.STAFF: Seen(staff, len(bot.telegram.shown)),
        Viewer.FAMILY: Seen(mother, len(bot.telegram.shown)),
        Viewer.STRANGER: Seen(stranger, len(bot.telegram.shown)),
    }
    shared = AUDIENCE[world.audience] if world.audience else None
    await register_departure(
        owner,
        who="ខ្ញុំ",
        name="Pisey",
        destination="🇲🇾 ម៉ាឡេស៊ី",
        reason=REASON_BUTTONS[world.reason],
        reason_shared=shared,
    )
    await owner.click(next(b for b in owner.buttons() if b.startswith("✅ បាទ/ចាស ផ្ញើ")))
    [trip] = await bot.store.departures_of(owner.id)
    [role] = [
        r for r in await bot.store.leaders_of(trip.village_code or "") if r.user_id == revoked.id
    ]
    await staff.press(f"staff:revoke:{role.leader_id}")
    seen[Viewer.REVOKED_CHIEF].since = len(bot.telegram.shown)  # what a chief saw stays his
    await owner.send("/sos")
    await owner.send_location(12.6, 102.9)
    await owner.send_voice()
    [sos] = [c for c in await bot.store.open_cases(None) if c.kind == "sos"]
    await staff.press(f"case:take:{sos.alert_id}")
    await staff.press(f"case:note:{sos.alert_id}")
    await staff.reply(NOTE_SOS)
    await mother.send("/missing")
    await mother.send("Dara-family")
    await mother.click("កូនស្រី ឬកូនប្រុសរបស់ខ្ញុំ")
    await mother.click("🇹🇭 ថៃ")
    await mother.click("ពី ១ ទៅ ៣ ខែ")
    await mother.send(REPORTED_PHONE)
    await mother.send(str(trip.departure_id))
    await mother.click("✅ ផ្ញើទៅមេភូមិ និងបុគ្គលិកគម្រោង")
    [family] = [c for c in await bot.store.open_cases(None) if c.kind == "family"]
    if world.answer is not None:
        await owner.click("📖 អាន")
        await owner.click(RELATIVE_BUTTONS[world.answer])
        if world.answer == "message":
            await owner.reply(WORDS)
    await staff.press(f"case:note:{family.alert_id}")
    await staff.reply(NOTE_FAMILY)
    if world.erased:
        await owner.send("/delete")
        await owner.click("បាទ/ចាស លុបទាំងអស់")
        for viewer in (Viewer.CHIEF, Viewer.STAFF):  # what they saw before it was theirs
            seen[viewer].since = len(bot.telegram.shown)
    seen[Viewer.PERSON].since = len(bot.telegram.shown)  # her own form and answers are hers
    for viewer, what in seen.items():
        if world.erased and viewer is Viewer.PERSON:
            continue
        await pull_everything(bot, what.person, (sos.alert_id, family.alert_id))
        what.texts = shown_since(bot, what.person, what.since)
    kept = stored_reason({"reason": world.reason, "reason_shared": world.audience})
    record = circumstances_of(kept, erased=world.erased)
    family_case = replace(
        circumstances_of(kept, relative_answer=world.answer, family_case=True),
        erased=False,
    )
    if world.erased:  # seen from the case, not from a record gone
        seen.pop(Viewer.PERSON)
    return seen, record, family_case


def markers(bot: Bot) -> dict[Piece, list[str]]:
    """What each piece of the world's record looks like on a screen, in both languages."""
    assert bot.services is not None
    t = bot.services.content.texts
    both = ("km", "en")
    days = [format_day(date(2026, 3, d), lang) for d in (2, 3) for lang in both]
    return {
        Piece.NAME: ["Pisey"],
        Piece.FAMILY_PHONE: [FAMILY_PHONE],
        Piece.DESTINATION: [t.raw(lang, "plan.opt.destination.MY") for lang in both],
        Piece.DATES: days,
        Piece.WORK: [t.raw(lang, "plan.opt.work.seafood") for lang in both],
        Piece.CONTACT: ["tg://user?id=7106"],
        Piece.LOCATION: ["[venue]"],
        Piece.VOICE: ["[voice]"],
        Piece.REPORTED_PHONE: [REPORTED_PHONE],
        Piece.RELATIVE_WORDS: [WORDS],
        Piece.RELATIVE_ANSWER: [
            t.raw(lang, f"case.relative.{a}")
            for lang in both
            for a in ("safe", "message", "nothing", "notme")
        ],
        Piece.RELATIVE_ANSWERED: [t.raw(lang, "case.event.relative") for lang in both],
        Piece.VIEWS: ["👁"],
    }


FAMILY_PIECES = {
    Piece.REPORTED_PHONE,
    Piece.RELATIVE_WORDS,
    Piece.RELATIVE_ANSWER,
    Piece.RELATIVE_ANSWERED,
}


def reason_markers(bot: Bot, world: World) -> list[str]:
    assert bot.services is not None
    if world.reason == "private":
        return []  # "prefers not to say" is what everyone may read
    return [
        bot.services.content.texts.raw(lang, f"plan.opt.reason.{world.reason}")
        for lang in ("km", "en")
    ]


@pytest.mark.parametrize("name", list(WORLDS))
async def test_no_screen_shows_a_viewer_what_the_policy_hides(bot: Bot, name: str) -> None:
    world = WORLDS[name]
    seen, record, family_case = await build(bot, world)
    found = markers(bot)
    problems = []
    for viewer, what in seen.items():
        text = "\n".join(what.texts)
        checks = [(p, m, family_case if p in FAMILY_PIECES else record) for p, m in found.items()]
        checks.append((Piece.REASON, reason_markers(bot, world), record))
        checks.append((Piece.NOTES, [NOTE_SOS], record))
        checks.append((Piece.NOTES, [NOTE_FAMILY], family_case))
        for piece, marks, circumstances in checks:
            if show(piece, viewer, circumstances) is Show.SHOWN:
                continue
            if piece is Piece.REASON and viewer is Viewer.PERSON:
                continue  # her own review said her reason; /mydata says "prefers not to say"
            leaked = [m for m in marks if m in text]
            if leaked:
                problems.append(f"{viewer.value} sees {piece.value}: {leaked}")
    assert not problems, "\n".join(problems)
    # The markers work: what the policy shows is there to be found.
    staff = "\n".join(seen[Viewer.STAFF].texts)
    assert NOTE_SOS in staff and NOTE_FAMILY in staff and REPORTED_PHONE in staff
    if not world.erased:
        assert "Pisey" in staff and "[venue]" in staff and "[voice]" in staff
        assert ("Pisey" in "\n".join(seen[Viewer.CHIEF].texts)) is not record.staff_only
    if world.answer == "message":
        assert WORDS in "\n".join(seen[Viewer.FAMILY].texts)


# -- every module that reads a record is a screen of this table -----------------------------------

# Attributes of a person's record that only a screen reads (a departure's, a family report's).
RECORD_FIELDS = frozenset(
    {
        "family_phone",
        "employer_phone",
        "destination",
        "depart_on",
        "arrive_on",
        "relative_message",
        "relative_answer",
        "went_to",
    }
)
ROOT = Path(__file__).resolve().parent.parent
# Modules that read them, and why. A screen is rendered above, through the flows or PULLS; the
# others are not screens of someone else's record (the person's own form, rules, storage).
READERS = {
    "delivery/texts.py": "screen: the notice and the alert card (through the policy's lens)",
    "conversations/cases.py": "screen: case cards, /cases and the history (through the lens)",
    "domain/visibility.py": "the policy itself",
    "domain/refreshers.py": "the person's own reminders' rules",
    "delivery/family_texts.py": "screen: a family's case (through the lens)",
    "screens/departure_text.py": "screen helper: answers_of drops what the lens hides",
    "conversations/leader.py": "screen: /away, /stats, /export (visible_departures)",
    "conversations/relink.py": "screen: the /relink list (a chief's leaves out staff-only trips)",
    "conversations/missing.py": "the relative's own answer, and the family's own form",
    "conversations/departure.py": "the person's own /plan form",
    "conversations/my_departures.py": "the person's own /mydepartures",
    "conversations/documents.py": "the person's own /documents",
    "conversations/returning.py": "the person's own return",
    "conversations/sos.py": "the person's own cry for help (the numbers of where she is)",
    "conversations/calculator.py": "the calculator's own answers, not a record",
    "conversations/voice_answers.py": "routing by the lens (chats_that_may_see)",
    "conversations/location.py": "routing by the lens (chats_that_may_see)",
    "delivery/checkins.py": "the person's own check-ins (their time zone)",
    "delivery/documents.py": "the person's own paper reminders",
    "delivery/announcements.py": "where an announcement goes (the time zone), no text of a record",
    "delivery/refreshers.py": "the person's own reminders",
    "delivery/viewers.py": "the policy's lens itself",
    "operations/reporting.py": "counts only, masked in small places",
    "printables/money_picture.py": "the calculator's own figures",
    "domain/departure.py": "the form's rules",
    "domain/report.py": "counts",
    "domain/documents.py": "the papers' rules",
}


def test_every_module_reading_a_record_is_a_screen_of_this_table() -> None:
    readers = set()
    for folder in (
        "access",
        "app",
        "conversations",
        "delivery",
        "domain",
        "operations",
        "printables",
        "preview",
        "screens",
    ):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(
                isinstance(node, ast.Attribute) and node.attr in RECORD_FIELDS
                for node in ast.walk(tree)
            ):
                readers.add(path.relative_to(ROOT).as_posix())
    unknown = readers - set(READERS)
    # A new module that reads someone's record: render it above as every viewer, or say here
    # why it is not a screen of someone else's record.
    assert not unknown, sorted(unknown)
