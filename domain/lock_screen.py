"""The lock-screen rule: what a message's first line may say when nobody asked for it.

A phone shows the start of a new message on its lock screen, in its notification and in the
chat list, to whoever holds it: the person's family on a shared phone, an employer who keeps it,
a chief's children. A notification may show two to four lines, so a message the bot sends a
person without being asked just then says nothing of what it is about in its whole first
paragraph (up to the first blank line): only that there is a message, who saw hers, or that
someone will contact her. What it is about comes after a blank line, or behind a «Read» button.
A chief's or staff member's copy may say what kind of case it is (that is their work), but its
first line never says whom it is about.

``PUSHED_TO_PERSON`` is the one list of texts that open a message pushed to a person; each is
either neutral or says why it may name its subject. ``tests/test_lock_screen.py`` checks every
entry, finds every text the code pushes to a person (an undeclared one fails), and drives the
journeys to read the first lines people really get.
"""

from __future__ import annotations

import re
import string

NEUTRAL = "neutral"

# text key -> NEUTRAL, or the reason it may name what it is about on its first line.
PUSHED_TO_PERSON: dict[str, str] = {
    # Someone answered her cry for help, a notice, a voice message (delivery/cases.py,
    # conversations/notices.py, delivery/rules.py, delivery/voice_copies.py).
    "plan.acknowledged": NEUTRAL,
    "plan.acknowledged_someone": NEUTRAL,
    "case.person_taken": NEUTRAL,
    "case.person_taken_quiet": NEUTRAL,
    "case.person_closed": NEUTRAL,
    "sos.reached_later": NEUTRAL,
    "media.voice.reached_later": NEUTRAL,
    # Scheduled: check-ins, paper reminders, refreshers (delivery/checkins.py,
    # delivery/documents.py, delivery/refreshers.py).
    "checkin.prompt": NEUTRAL,
    "checkin.reminder": NEUTRAL,
    "documents.reminder.lead": NEUTRAL,
    "refresher.neutral": NEUTRAL,
    # A family asked about her (conversations/missing.py): who asked and why comes after «Read».
    "family.relative_ask": NEUTRAL,
    "share.friend_joined": NEUTRAL,
    # The family member who asked /missing hears the relative's own choice of words: it is the
    # answer to their question, and the relative chose to send it to them.
    "family.family_safe": "the answer to the reporter's own question, sent by the relative",
    "family.family_message": "the answer to the reporter's own question, sent by the relative",
    # An announcement names its sender, never a subject: staff and chiefs are warned, before
    # sending, that it reaches people away (announce.away_caution).
    "announce.from_staff": "names the sender only; the writer is warned (announce.away_caution)",
    "announce.from_leader": "names the sender only; the writer is warned (announce.away_caution)",
}

# The first lines of a chief's or staff member's copy: they may say what kind of case it is,
# never whom it is about (a chief's children read his lock screen too).
TO_HELPERS = (
    "alert.title.*",
    "notice.title",
    "notice.not_acknowledged",
    "case.reopened_header",
    "case.take_on_header",
    "broker.notice",
    "alert.unsaved",
    # What became of a departure a chief wrote down with someone (conversations/assisted_open.py)
    "assisted.chief_*",
)
# "account": the Telegram name that confirmed a chief's registration (assisted.chief_confirmed)
WHO_PLACEHOLDERS = {
    "name",
    "person",
    "age",
    "phone",
    "family_phone",
    "contact",
    "reporter",
    "account",
}

# Placeholders a neutral first paragraph may hold: names (a person's name says nothing of why).
NEUTRAL_PLACEHOLDERS = {"name", "person"}

# Words that tell a reader what a message is about: help, trouble, travel, the chief or the
# programme, papers, the police, a place, money owed, family. None may open a neutral message.
SUBJECT_WORDS = {
    "km": (
        "ជំនួយ",
        "ជួយ",
        "sos",
        "បញ្ហា",
        "ចេញដំណើរ",
        "មេភូមិ",
        "បុគ្គលិក",
        "គម្រោង",
        "ករណី",
        "អំពើហិង្សា",
        "មេខ្យល់",
        "ប៉ាស្ព័រ",
        "វីសា",
        "ប័ណ្ណ",
        "ឯកសារ",
        "ប៉ូលិស",
        "ទីតាំង",
        "បំណុល",
        "គ្រោះថ្នាក់",
        "ផ្ទះ",
        "គ្រួសារ",
        "បាត់",
        "ចំណាកស្រុក",
        "ធ្វើការ",
        "មេរៀន",
    ),
    "en": (
        r"\bhelp",
        r"\bsos\b",
        r"\bproblem",
        r"\bdepart",
        r"\bleav(e|ing)\b",
        r"\bchief",
        r"\bstaff\b",
        r"\bprogramme",
        r"\bcase\b",
        r"\bviolen",
        r"\bbroker",
        r"\bpassport",
        r"\bvisa",
        r"\bpermit",
        r"\bpapers?\b",
        r"\bpolice",
        r"\blocation",
        r"\bdebt",
        r"\bdanger",
        r"\bhome\b",
        r"\bfamily",
        r"\bmissing",
        r"\bmigra",
        r"\bwork",
        r"\blesson",
        r"\breminder:",
    ),
}
_PATTERNS = {
    lang: re.compile("|".join(words), re.IGNORECASE) for lang, words in SUBJECT_WORDS.items()
}
_TAG = re.compile(r"<[^>]+>")


def first_line(text: str) -> str:
    """What a lock screen shows: the first non-empty line, without HTML tags."""
    for line in _TAG.sub("", text).split("\n"):
        if line.strip():
            return line.strip()
    return ""


def preview(text: str) -> str:
    """What a notification may show: the first paragraph (up to the first blank line), untagged."""
    lines = _TAG.sub("", text).strip().split("\n")
    shown = []
    for line in lines:
        if not line.strip():
            break
        shown.append(line.strip())
    return "\n".join(shown)


def subject_in(line: str, lang: str) -> str | None:
    """The first word of this line that tells what a message is about, or None."""
    found = _PATTERNS[lang].search(line)
    return found.group(0) if found else None


# Titles a helper's name may carry that are not subject words elsewhere but still tell a phone's
# holder an official wrote: a commune chief, a village or commune title.
TITLE_WORDS = {
    "km": ("មេឃុំ", "ចៅសង្កាត់", "ប្រធានភូមិ", "អនុភូមិ", "មេក្រុម"),
    "en": (r"\bcommune", r"\bvillage", r"\bheadman", r"\bngo\b", r"\bofficer"),
}
_NAME_EN = re.compile("|".join(SUBJECT_WORDS["en"] + TITLE_WORDS["en"]), re.IGNORECASE)
# Khmer is written without spaces between words, so a title is cut out of a word («មេភូមិសុខ»);
# the ASCII entries of the Khmer list are matched as English words instead.
_NAME_KM = re.compile(
    "|".join(w for w in SUBJECT_WORDS["km"] + TITLE_WORDS["km"] if not w.isascii())
)
_EDGE = string.punctuation + "«»“”‘’…·–— \u200b"


def neutral_name(name: str, fallback: str) -> str:
    """A helper's name as a person's lock screen may show it: without a title or subject word.

    A chief's leader name or Telegram name may be «មេភូមិ សុខ» or "Chief Sok": on a family's
    phone, "Chief Sok has seen your message" says what the message was about. Both languages'
    words are dropped whatever the reader's language (a Khmer title reads the same on an
    English screen); when nothing is left, ``fallback`` ("Someone").
    """
    kept = []
    for token in name.split():
        if _NAME_EN.search(token):
            continue
        cut = _NAME_KM.sub("", token)
        if cut != token:  # what is left of a word a title was cut from: «(មេភូមិ)» says nothing
            cut = cut.strip(_EDGE)
            if not any(c.isalnum() for c in cut):
                continue
        kept.append(cut)
    return " ".join(kept) or fallback


def placeholders_of(line: str) -> set[str]:
    return {n for _, n, _, _ in string.Formatter().parse(line) if n is not None}


def helper_opening_problem(text: str) -> str | None:
    """Why this text cannot open a chief's or staff member's copy: it names the person."""
    line = first_line(text)
    if who := sorted(placeholders_of(line) & WHO_PLACEHOLDERS):
        return f"its first line shows {who}: {line!r}"
    return None


def opening_problem(text: str, lang: str) -> str | None:
    """Why this text (a catalog entry, placeholders unfilled) cannot open a neutral message."""
    shown = preview(text)
    if word := subject_in(shown, lang):
        return f"its first paragraph names the subject ({word!r}): {shown!r}"
    if extra := sorted(placeholders_of(shown) - NEUTRAL_PLACEHOLDERS):
        return f"its first paragraph shows {extra}: {shown!r}"
    return None
