"""What the bot tells a person in trouble, checked on the content itself, so that the next
feature cannot bring back the kinds of risky advice the Khmer review of 7 December 2026 found:

- no "please check" doubt under a national police or ambulance number, and none at all on the
  first screen of /help and /sos (the check note is on the full list);
- no "any time" / "day and night" / "24 hours" promise unless every number it is about is open
  day and night (``hours: "24h"`` in ``content/contacts.yaml``, from CONTENT-FACTS);
- the quiz's right option is neither the longest nor the shortest too often, and no cue word
  gives the wrong ones away (``tests/test_quiz.py``);
- one Khmer word for one thing (``content/km/TERMS.md``, ``tests/test_terms.py``).

Each check reads a content folder, so it can be run on any copy of ``content/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.awareness import load_awareness
from content.bundle import CONTENT_DIR, LANGUAGES, load_content
from content.contacts import Contact, load_directory
from content.texts import load_catalog
from screens.hotlines import first_text
from tests.test_quiz import cued_right, cued_wrong, longest_right, shortest_right
from tests.test_terms import problems_in

TAG = re.compile(r"<[^>]+>")

# The national police and ambulance numbers of CONTENT-FACTS ("Thailand police / ambulance",
# "Malaysia police and ambulance", "South Korea police / ambulance"), whatever their entry says.
EMERGENCY_NUMBERS = {"191", "1669", "999", "112", "119"}
DOUBT = {
    "km": re.compile(r"សូមពិនិត្យ|មិនទាន់ដឹងច្បាស់|មិនទាន់ប្រាកដ|មិនទាន់បញ្ជាក់|មិនទាន់(បាន)?សាកហៅ|ហៅមិនចូល"),
    "en": re.compile(
        r"please check|not sure|not confirmed|unconfirmed|not yet tried|does not get through",
        re.IGNORECASE,
    ),
}

# A promise that someone answers whenever one calls.
ANY_TIME = {
    "km": re.compile(r"គ្រប់ពេល|គ្រប់ម៉ោង|ពេលណាក៏បាន|ទាំងថ្ងៃទាំងយប់|(២៤|24) ?ម៉ោង"),
    "en": re.compile(
        r"\bany ?time\b|\bday and night\b|\baround the clock\b|\ball hours\b|\b24[- ]?h(ours?)?\b",
        re.IGNORECASE,
    ),
}
SENTENCE = re.compile(r"(?<=[.!?។])\s+|\n")
# ...made about phone numbers (not "you can send /sos at any time", which the bot keeps).
ABOUT_NUMBERS = {
    "km": re.compile(r"លេខ|ហៅ|/help"),
    "en": re.compile(r"\bnumbers?\b|\bcall\b|\bhotlines?\b|\bhelpline\b|/help", re.IGNORECASE),
}


def catalog_texts(folder: Path, lang: str) -> Iterator[tuple[str, str]]:
    for path in sorted((folder / lang).glob("*.po")):
        for key, text in load_catalog(path).items():
            yield f"{lang}/{path.name}: {key}", text


def yaml_strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from yaml_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from yaml_strings(value, f"{where}[{n}]")
    elif isinstance(node, str):
        yield where, node


def all_texts(folder: Path, lang: str) -> Iterator[tuple[str, str]]:
    """(file: key, text) for every text of one language: catalogs and YAML content."""
    yield from catalog_texts(folder, lang)
    for path in sorted((folder / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, text in yaml_strings(data, ""):
            yield f"{lang}/{path.name}: {where.lstrip('.')}", text


def numbers_in(line: str, contacts: tuple[Contact, ...]) -> list[Contact]:
    """The contacts whose number is written in a sentence ("+66 2 957 5851" of "… / 5852")."""
    found = []
    for contact in contacts:
        parts = [contact.phone, *contact.phone.split(" / ")[:1]]
        if any(re.search(rf"(?<![\d-]){re.escape(p)}(?![\d-])", line) for p in parts):
            found.append(contact)
    return found


def doubt_under_emergency_numbers(folder: Path) -> list[str]:
    """Emergency numbers shown with "please check", or with doubt in their own words."""
    directory = load_directory(folder, LANGUAGES)
    problems = []
    for contact in directory.contacts:
        if contact.phone not in EMERGENCY_NUMBERS and contact.kind != "emergency":
            continue
        if contact.needs_check:
            problems.append(f"{contact.id} ({contact.phone}): shown with help.please_check")
        for lang in LANGUAGES:
            for key, text in (("note", contact.notes[lang]), ("short", contact.shorts.get(lang))):
                if text and DOUBT[lang].search(text):
                    problems.append(f"{lang}/contacts.yaml: contacts.{contact.id}.{key}: doubt")
    return problems


def first_screen_problems(folder: Path) -> list[str]:
    """The first screen of /help and /sos as it renders, for each country and language: doubt
    on it (the check note belongs to the full list), or "open 24 hours" beside a number that
    is not ``hours: "24h"``."""
    content = load_content(districts=("0906",), content_dir=folder)
    contacts = content.contacts.contacts
    problems = []
    for lang in LANGUAGES:
        for country in content.contacts.countries:
            for line in first_text(content, lang, country.code).split("\n")[1:]:
                where = f"{lang} {country.code} first screen: {TAG.sub('', line)}"
                if DOUBT[lang].search(line):
                    problems.append(f"{where}: doubt")
                closed = [c.phone for c in numbers_in(line, contacts) if c.hours != "24h"]
                if ANY_TIME[lang].search(line) and closed:
                    problems.append(f"{where}: any time for {', '.join(closed)}")
    return problems


def promises_of_any_time(folder: Path) -> list[str]:
    """Sentences promising an answer at any hour, about numbers not all open 24 hours."""
    contacts = load_directory(folder, LANGUAGES).contacts
    by_id = {c.id: c for c in contacts}
    problems = []
    for lang in LANGUAGES:
        for where, text in all_texts(folder, lang):
            if where.endswith("messages.po: help.number_24h"):
                # Rendered only beside a number whose `hours` are "24h" (screens/hotlines.py);
                # first_screen_problems reads each line it makes.
                continue
            # A contact's note, and its line on the first screen, are about that contact.
            own = re.search(r"contacts\.yaml: contacts\.([a-z_]+)\.(note|short)$", where)
            for line in SENTENCE.split(TAG.sub("", text)):
                if not ANY_TIME[lang].search(line):
                    continue
                about = numbers_in(line, contacts)
                if own:
                    about.append(by_id[own.group(1)])
                elif not about and not ABOUT_NUMBERS[lang].search(line):
                    continue
                closed = sorted({c.phone for c in about if c.hours != "24h"})
                if not about:
                    problems.append(f"{where}: promises any time, names no 24-hour number")
                elif closed:
                    problems.append(f"{where}: promises any time for {', '.join(closed)}")
    return problems


def quiz_tells(folder: Path) -> list[str]:
    """Each way to guess the quiz that wins in more than a third of the questions."""
    questions = load_awareness(folder, LANGUAGES).questions
    problems = []
    for lang in LANGUAGES:
        for name, found in (
            ("right option strictly longest", longest_right(questions, lang)),
            ("right option strictly shortest", shortest_right(questions, lang)),
            ("a cue word in a wrong option only", cued_wrong(questions, lang)),
            ("a cue of the right answer in the right option only", cued_right(questions, lang)),
        ):
            if len(found) > len(questions) / 3:
                problems.append(f"{lang}: {name} in {len(found)} of {len(questions)}")
    return problems


def term_variants(folder: Path) -> list[str]:
    """Khmer texts that use a word content/km/TERMS.md rules out."""
    return [f"{where}: {variants}" for where, variants in problems_in(folder / "km").items()]


CHECKS = {
    "emergency numbers": doubt_under_emergency_numbers,
    "first screens": first_screen_problems,
    "any time": promises_of_any_time,
    "quiz": quiz_tells,
    "terms": term_variants,
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_shipped_content_passes(name: str) -> None:
    assert CHECKS[name](CONTENT_DIR) == []


def test_the_24_hour_numbers_are_the_ones_content_facts_names() -> None:
    """CONTENT-FACTS: Child Helpline Cambodia "free, 24h"; Issara "free, 24h"; nobody else."""
    directory = load_directory(CONTENT_DIR, LANGUAGES)
    assert {c.phone for c in directory.contacts if c.hours == "24h"} == {"1280", "1-800-010-181"}
    assert {c.phone for c in directory.contacts if c.kind == "emergency"} == EMERGENCY_NUMBERS


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def change(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_doubt_under_the_police_is_found(content_copy: Path) -> None:
    """Someone takes "official" off 191, or writes doubt beside an emergency number."""
    change(  # th_police: no longer marked, so help.please_check would be shown under it
        content_copy / "contacts.yaml",
        '    kind: "emergency"  # CONTENT-FACTS: "Thailand police / ambulance", a national short'
        " code\n",
        "",
    )
    change(
        content_copy / "en" / "contacts.yaml",
        'note: "Call when a life is in danger."',  # th_ambulance
        'note: "Call when a life is in danger. Please check: not confirmed."',
    )
    change(
        content_copy / "km" / "contacts.yaml",
        'short: "ប៉ូលិស និងឡានពេទ្យ៖ ពេលជីវិតមានគ្រោះថ្នាក់"',  # my_police_ambulance, 999
        'short: "ប៉ូលិស និងឡានពេទ្យ៖ មិនទាន់សាកហៅទេ"',
    )
    assert doubt_under_emergency_numbers(content_copy) == [
        "th_police (191): shown with help.please_check",
        "en/contacts.yaml: contacts.th_ambulance.note: doubt",
        "km/contacts.yaml: contacts.my_police_ambulance.short: doubt",
    ]


def test_doubt_or_any_time_on_a_first_screen_is_found(content_copy: Path) -> None:
    change(  # the check note, put back on every first-screen line
        content_copy / "en" / "messages.po",
        'msgid "help.number"\nmsgstr "📞 {phone} {label}"',
        'msgid "help.number"\nmsgstr "📞 {phone} {label} ⚠️ We have not yet tried calling it."',
    )
    change(  # "24 hours" written into the label of a number that is not open 24 hours
        content_copy / "km" / "contacts.yaml",
        'short: "ស្ថានទូតកម្ពុជា នៅបាងកក"',
        'short: "ស្ថានទូតកម្ពុជា នៅបាងកក បើក ២៤ម៉ោង"',
    )
    found = first_screen_problems(content_copy)
    embassy = "+66 2 957 5851 / 5852"
    assert (
        f"km TH first screen: 📞 {embassy} ស្ថានទូតកម្ពុជា នៅបាងកក បើក ២៤ម៉ោង: any time for {embassy}"
        in found
    )
    police = "📞 191 Police: when a life is in danger ⚠️ We have not yet tried calling it."
    assert f"en TH first screen: {police}: doubt" in found
    # Every English line but the two 24-hour ones (help.number_24h) has the note now: 8 of 10.
    assert len([p for p in found if p.endswith(": doubt")]) == 8, found
    assert len(found) == 9, found
    # The label is about its own number: the check on every text finds it too.
    assert "km/contacts.yaml: contacts.embassy_bangkok.short: promises any time for " + (
        embassy
    ) in promises_of_any_time(content_copy)


def test_a_promise_of_any_time_is_found(content_copy: Path) -> None:
    change(
        content_copy / "en" / "checkin.po",
        "If it gets worse, send /sos. The hotline numbers are in /help.",
        "If it gets worse, send /sos. The numbers in /help work any time.",
    )
    change(content_copy / "km" / "contacts.yaml", "ឥតគិតថ្លៃ។ ហៅបាន", "ឥតគិតថ្លៃ បើក ២៤ម៉ោង។ ហៅបាន")
    change(
        content_copy / "en" / "lessons.yaml",
        "<b>117</b> National Police: for illegal detention or human trafficking.",
        "<b>117</b> National Police, day and night: for illegal detention or human trafficking.",
    )
    found = promises_of_any_time(content_copy)
    assert "en/checkin.po: checkin.problem_noted: promises any time, names no 24-hour number" in (
        found
    )
    assert "km/contacts.yaml: contacts.police_trafficking.note: promises any time for 117" in found
    assert any(p.startswith("en/lessons.yaml: lessons[7].screens[1]: ") for p in found), found
    assert len(found) == 3, found


def test_sending_sos_at_any_time_is_no_promise_about_numbers(content_copy: Path) -> None:
    assert not [p for p in promises_of_any_time(content_copy) if "cases.po" in p]
    texts = dict(all_texts(content_copy, "en"))
    assert "send /sos at any time" in texts["en/cases.po: family.relative_done_nothing"]


def test_a_guessable_quiz_is_found(content_copy: Path) -> None:
    for lang, word in (("km", "ភ្លាម"), ("en", "at once")):
        path = content_copy / lang / "quiz.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in data["questions"]:
            for option in question["options"]:  # the right one long, the wrong ones cued
                option["text"] = "x" * 40 if option["correct"] else f"{word} x"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert quiz_tells(content_copy) == [
        "km: right option strictly longest in 23 of 23",
        "km: a cue word in a wrong option only in 23 of 23",
        "en: right option strictly longest in 23 of 23",
        "en: a cue word in a wrong option only in 23 of 23",
    ]


def test_a_quiz_whose_right_answer_alone_waits_or_asks_the_chief_is_found(
    content_copy: Path,
) -> None:
    """The second reader's tell: "pick the one with «សិន» / the chief / call, not «ទៅ»"."""
    for lang, right, wrong in (("km", "សួរមេភូមិសិន", "ទៅ"), ("en", "Ask the chief first", "Go")):
        path = content_copy / lang / "quiz.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in data["questions"]:
            for n, option in enumerate(question["options"]):  # all the same length: no other tell
                option["text"] = right if option["correct"] else f"{wrong} {n}".ljust(len(right))
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert quiz_tells(content_copy) == [
        "km: a cue of the right answer in the right option only in 23 of 23",
        "en: a cue of the right answer in the right option only in 23 of 23",
    ]


def test_a_ruled_out_word_is_found(content_copy: Path) -> None:
    change(content_copy / "km" / "media.po", "ប្រយោគទី", "សេចក្ដីថ្លែងទី")
    assert term_variants(content_copy) == ["media.po: media.item.statement: ['សេចក្ដីថ្លែង']"]
