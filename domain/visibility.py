"""Who sees what: one policy for every screen that shows a person or a case.

A screen never decides by itself whether a chief may read a family phone or learn that a
relative answered: it asks here, for each piece of the record, as this viewer, in these
circumstances. ``tests/test_visibility.py`` renders every screen as every viewer and fails when
a screen shows what this table hides, the way the schema test keeps ``/delete`` honest.

The people it protects: a woman who left violence at home (her family may ask the chief), a
migrant fleeing a creditor (who may ask the chief too), a relative who fled and asked that
nobody be told anything, a person who erased their data. See docs/THREATS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from domain.departure import PRIVATE, REASON_HIDDEN, base_reason, staff_only


class Viewer(StrEnum):
    """Who is looking, seen from the record."""

    PERSON = "person"  # the one the record is about (after /relink: their new account)
    CHIEF = "chief"  # a current chief of the record's village
    CHIEF_ELSEWHERE = "chief_elsewhere"  # a chief, but of another village
    REVOKED_CHIEF = "revoked_chief"  # was a chief of the village; the role was ended
    STAFF = "staff"  # programme staff (their private chats and the staff group)
    FAMILY = "family"  # the family member who reported the person missing (/missing)
    STRANGER = "stranger"  # anyone else, the old account after a /relink included


class Piece(StrEnum):
    """A piece of a record a screen may show."""

    NAME = "name"
    AGE = "age"
    GENDER = "gender"
    VILLAGE = "village"
    DESTINATION = "destination"  # where they went (a departure's or the family's guess)
    DATES = "dates"  # when they leave and arrive
    WORK = "work"  # kind of work, channel, agency, papers, wage, duration
    EMPLOYER_PHONE = "employer_phone"
    FAMILY_PHONE = "family_phone"  # the family's number the person gave in /plan
    REASON = "reason"  # why they left
    RISK_FLAGS = "risk_flags"
    CONTACT = "contact"  # a link that opens a chat with them
    PROBLEMS = "problems"  # what they answered on a check-in
    PAPER_DATES = "paper_dates"  # when the passport, visa, permit, contract end
    LOCATION = "location"  # a pin they sent after a cry for help
    VOICE = "voice"  # a voice message they sent after a cry for help
    NOTES = "notes"  # what those handling the case wrote
    HISTORY = "history"  # the case's history
    VIEWS = "views"  # who looked at the case and when
    REPORTED = "reported"  # whom the family cannot reach, as they described them (/missing)
    REPORTED_PHONE = "reported_phone"  # the relative's phone, as the family typed it
    REPORTER_CONTACT = "reporter_contact"  # a link to the family member who asked
    RELATIVE_ANSWERED = "relative_answered"  # *whether* the relative answered the bot
    RELATIVE_ANSWER = "relative_answer"  # what they chose (safe, nothing, not me)
    RELATIVE_WORDS = "relative_words"  # the words they chose to send their family


class Show(Enum):
    SHOWN = "shown"
    HIDDEN = "hidden"
    MASKED = "masked"  # shown in a reduced form: "prefers not to say", "ends soon"


@dataclass(frozen=True)
class Circumstances:
    """What about the record changes who may see it."""

    violence: bool = False  # left violence at home (the family may be whom she left)
    creditors: bool = False  # fleeing people they owe money to
    staff_only: bool = False  # they asked that only staff know where and when
    reason_kept: bool = False  # the reason is kept from the chief ("prefers not to say")
    erased: bool = False  # they erased their data; the case stays open without them
    case_open: bool = True
    family_case: bool = False  # a family's /missing report, about the relative it names
    relative_answer: str | None = None  # safe | message | nothing | notme, or not answered


SHOWN, HIDDEN, MASKED = Show.SHOWN, Show.HIDDEN, Show.MASKED
# Pieces that are the person's own data: gone for everyone once they erased it.
PERSONAL = frozenset(
    {
        Piece.NAME,
        Piece.AGE,
        Piece.GENDER,
        Piece.DESTINATION,
        Piece.DATES,
        Piece.WORK,
        Piece.EMPLOYER_PHONE,
        Piece.FAMILY_PHONE,
        Piece.REASON,
        Piece.RISK_FLAGS,
        Piece.CONTACT,
        Piece.PROBLEMS,
        Piece.PAPER_DATES,
        Piece.LOCATION,
        Piece.VOICE,
        Piece.RELATIVE_WORDS,
    }
)
# What only those handling a case read (never the person, the family or anyone else).
CASE_WORK = frozenset({Piece.NOTES, Piece.HISTORY, Piece.VIEWS})
# What the family who reported someone missing typed themselves, and how to reach them: the
# family's own case, which the village's chief and staff read whatever the relative's record.
FAMILY_TYPED = frozenset({Piece.REPORTED, Piece.REPORTED_PHONE, Piece.REPORTER_CONTACT})


def show(piece: Piece, viewer: Viewer, circumstances: Circumstances) -> Show:
    """How this viewer may see this piece in these circumstances."""
    c = circumstances
    if viewer in (Viewer.STRANGER, Viewer.CHIEF_ELSEWHERE, Viewer.REVOKED_CHIEF):
        return HIDDEN
    if c.erased and piece in PERSONAL:
        return HIDDEN
    if viewer is Viewer.PERSON:
        return _to_the_person(piece, c)
    if viewer is Viewer.FAMILY:
        return _to_the_family(piece, c)
    if viewer is Viewer.STAFF:
        return _to_staff(piece, c)
    return _to_the_chief(piece, c)


def _to_the_person(piece: Piece, c: Circumstances) -> Show:
    if piece in CASE_WORK or piece in FAMILY_TYPED:
        return HIDDEN
    if piece in (Piece.RELATIVE_ANSWERED, Piece.RELATIVE_ANSWER, Piece.RELATIVE_WORDS):
        return SHOWN  # their own answer
    if piece is Piece.REASON and (c.reason_kept or c.staff_only):
        # Whoever holds a shared phone can open /mydata: a reason kept back reads as
        # "prefers not to say" there too.
        return MASKED
    return SHOWN


def _to_the_family(piece: Piece, c: Circumstances) -> Show:
    """The family learns only what the relative chose to tell them, never where they are."""
    if piece in FAMILY_TYPED:
        return SHOWN
    if piece is Piece.RELATIVE_ANSWER:
        return SHOWN if c.relative_answer == "safe" else HIDDEN
    if piece is Piece.RELATIVE_WORDS:
        return SHOWN if c.relative_answer == "message" else HIDDEN
    return HIDDEN


def _to_staff(piece: Piece, c: Circumstances) -> Show:
    if piece is Piece.REASON and (c.reason_kept or c.staff_only):
        return MASKED  # the person was told only they see it
    if piece is Piece.LOCATION and not c.case_open:
        return HIDDEN  # kept only with an open case
    return SHOWN


def _to_the_chief(piece: Piece, c: Circumstances) -> Show:
    if c.family_case:
        return _family_case_to_the_chief(piece, c)
    if c.staff_only:
        # They asked that only staff know where and when: nothing of their record, not even
        # that there is one.
        return HIDDEN
    if piece is Piece.VIEWS or piece in FAMILY_TYPED or piece.value.startswith("relative"):
        return HIDDEN  # who looked is for staff to check; the rest belongs to family cases
    if c.violence and piece in (Piece.FAMILY_PHONE, Piece.LOCATION, Piece.VOICE):
        return HIDDEN  # the family may be whom she left, and may ask the chief
    if piece is Piece.LOCATION and not c.case_open:
        return HIDDEN
    if piece is Piece.REASON and c.reason_kept:
        return MASKED
    if piece is Piece.PAPER_DATES:
        return MASKED  # only a paper ending soon, never one already past
    return SHOWN


def _family_case_to_the_chief(piece: Piece, c: Circumstances) -> Show:
    """A family's case reads the same to the chief whatever the relative's record, and whether
    or not they answered: that alone would say they are alive and using the bot."""
    if piece in (Piece.REPORTED, Piece.REPORTER_CONTACT, Piece.HISTORY):
        return SHOWN
    if piece is Piece.NOTES:
        return MASKED  # how many, not what: staff may write what the relative told them
    if piece in (Piece.RELATIVE_ANSWERED, Piece.RELATIVE_ANSWER):
        # Only "they are safe", which the family hears anyway.
        return SHOWN if c.relative_answer == "safe" else HIDDEN
    # The relative's phone (staff try it first: they may have left for a reason of their own),
    # their words, their record, who looked.
    return HIDDEN


@dataclass(frozen=True)
class Lens:
    """One viewer looking at one record: what a screen asks, piece by piece."""

    viewer: Viewer
    circumstances: Circumstances

    def shows(self, piece: Piece) -> bool:
        """Whether the piece is shown in full."""
        return show(piece, self.viewer, self.circumstances) is SHOWN

    def masks(self, piece: Piece) -> bool:
        return show(piece, self.viewer, self.circumstances) is MASKED

    def hides(self, piece: Piece) -> bool:
        return show(piece, self.viewer, self.circumstances) is HIDDEN

    def sees_anything(self) -> bool:
        """Whether this viewer may see the record at all."""
        return any(not self.hides(piece) for piece in Piece)


def circumstances_of(
    reason: str | None,
    *,
    erased: bool = False,
    case_open: bool = True,
    relative_answer: str | None = None,
    family_case: bool = False,
) -> Circumstances:
    """The circumstances of a record from its stored reason (``domain/departure.py`` ids)."""
    reason = reason or ""
    return Circumstances(
        violence=base_reason(reason) == "violence",
        creditors=base_reason(reason) == "creditors",
        staff_only=staff_only(reason),
        reason_kept=reason.endswith(REASON_HIDDEN) or reason == PRIVATE,
        erased=erased,
        case_open=case_open,
        relative_answer=relative_answer,
        family_case=family_case,
    )
