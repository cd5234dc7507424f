"""Content is checked once at startup: a broken file stops the bot with file, key and reason."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from content.bundle import CONTENT_DIR, LANGUAGES, load_catalogs, load_content
from content.errors import ContentError, ContentErrors
from content.texts import placeholders

PROJECT = CONTENT_DIR.parent
PILOT = ("0906", "0901")


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def load(content_dir: Path) -> None:
    load_content(districts=PILOT, content_dir=content_dir)


def test_the_shipped_content_loads() -> None:
    content = load_content(districts=PILOT)
    assert content.texts.languages == LANGUAGES
    assert content.places.village_count() == 28
    assert len(content.contacts.contacts) >= 10


def test_khmer_and_english_have_the_same_keys_and_placeholders() -> None:
    catalogs = load_catalogs(CONTENT_DIR)
    km, en = catalogs["km"], catalogs["en"]
    assert set(km) == set(en)
    for key in km:
        assert placeholders(km[key]) == placeholders(en[key]), key


def test_every_key_the_code_uses_exists() -> None:
    keys = load_catalogs(CONTENT_DIR)["en"]
    used: set[str] = set()
    for path in [
        PROJECT / "bot.py",
        *PROJECT.glob("conversations/*.py"),
        *PROJECT.glob("app/*.py"),
    ]:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:get|raw)\(\s*\w+,\s*"([a-z_]+\.[a-z_.0-9]+)"', source))
        used |= set(re.findall(r'greeting="([a-z_]+\.[a-z_.]+)"', source))
        used |= {f"{m}" for m in re.findall(r'\(\s*"(menu\.[a-z_]+)",', source)}
    assert used, "the pattern found no keys: update this test"
    assert sorted(used - set(keys)) == []


def break_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        (
            "km/messages.po",
            'msgid "menu.help"\nmsgstr "🆘 ជំនួយ និងលេខទូរស័ព្ទ"\n',
            "",
            "km/messages.po: menu.help: missing \\(in en\\)",
        ),
        (
            "km/messages.po",
            'msgid "menu.help"\nmsgstr "🆘 ជំនួយ និងលេខទូរស័ព្ទ"',
            'msgid "menu.help"\nmsgstr ""',
            "km/messages.po: menu.help: no translation",
        ),
        (
            "km/messages.po",
            'msgid "menu.help"',
            '#, fuzzy\nmsgid "menu.help"',
            "km/messages.po: menu.help: marked fuzzy",
        ),
        (
            "km/messages.po",
            "តើអ្នករស់នៅឃុំណា ក្នុងស្រុក{district}?",
            "តើអ្នករស់នៅឃុំណា ក្នុងស្រុក{distrikt}?",
            "onboarding.choose_commune: placeholders",
        ),
        ("en/messages.po", 'msgid "menu.help"', 'msgid "menu.help', "messages.po: menu.help"),
        ("contacts.yaml", "id: police_trafficking", "id: child_helpline", "duplicate id"),
        ("contacts.yaml", 'country: "TH"', 'country: "XX"', "contacts\\[3\\].country"),
        ("contacts.yaml", "status: unconfirmed", "status: maybe", "contacts\\[12\\].status"),
        ("contacts.yaml", 'last_verified: "2026-11-25"', "last_verified: soon", "last_verified"),
        ("km/contacts.yaml", "  embassy_seoul:\n", "  embassy_soul:\n", "km/contacts.yaml"),
        ("en/contacts.yaml", "KR: {name:", "KP: {name:", "en/contacts.yaml: countries.KR"),
        ("places.yaml", 'code: "09060405"', 'code: "0906040"', "places.yaml"),
    ],
)
def test_broken_content_is_refused_with_file_and_key(
    content_copy: Path, file: str, old: str, new: str, named: str
) -> None:
    break_file(content_copy / file, old, new)
    with pytest.raises(ContentError, match=named) as raised:
        load(content_copy)
    assert str(content_copy) in str(raised.value)


def test_a_missing_file_is_named(content_copy: Path) -> None:
    (content_copy / "km" / "contacts.yaml").unlink()
    with pytest.raises(ContentError, match=r"km/contacts\.yaml: -: file is missing"):
        load(content_copy)


def test_content_text_is_valid_telegram_html() -> None:
    for language, catalog in load_catalogs(CONTENT_DIR).items():
        for key, text in catalog.items():
            tags = re.findall(r"</?([a-zA-Z]+)", text)
            assert set(tags) <= {"b", "i", "a"}, (language, key)
            assert text.count("<b>") == text.count("</b>"), (language, key)
            assert "&" not in text.replace("&amp;", ""), (language, key)


def test_every_translation_problem_is_reported_at_once(content_copy: Path) -> None:
    break_file(content_copy / "km" / "messages.po", 'msgstr "ម៉ឺនុយដើម"', 'msgstr ""')
    break_file(
        content_copy / "km" / "messages.po", 'msgid "delete.yes"', '#, fuzzy\nmsgid "delete.yes"'
    )
    with pytest.raises(ContentErrors) as raised:
        load(content_copy)
    assert {(p.key, p.problem.split(" ")[0]) for p in raised.value.problems} == {
        ("command.menu", "no"),
        ("delete.yes", "marked"),
    }


def test_a_lesson_with_a_screen_missing_in_khmer_is_named(content_copy: Path) -> None:
    import yaml

    path = content_copy / "km" / "lessons.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["lessons"][2]["screens"].pop()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"en/lessons\.yaml: lessons\[2\]\.screens: differs"):
        load(content_copy)


def test_a_quiz_question_with_two_right_answers_is_refused(content_copy: Path) -> None:
    import yaml

    for lang in LANGUAGES:
        path = content_copy / lang / "quiz.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for option in data["questions"][0]["options"]:
            option["correct"] = True
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"questions\[0\]\.options: needs exactly one correct"):
        load(content_copy)


@pytest.mark.parametrize(
    ("langs", "option", "value", "problem"),
    [
        (LANGUAGES, 1, True, r"questions\[0\]\.options\[1\]\.gentle: is for a wrong option only"),
        (LANGUAGES, 0, "yes", r"questions\[0\]\.options\[0\]\.gentle: must be true or false"),
        (("en",), 0, True, r"en/quiz\.yaml: questions\[0\]\.options\[0\]\.gentle: differs"),
    ],
)
def test_a_gentle_flag_is_checked(
    content_copy: Path, langs: tuple[str, ...], option: int, value: object, problem: str
) -> None:
    """Only a wrong option may be answered gently, with a true or false, in every language."""
    import yaml

    for lang in langs:
        path = content_copy / lang / "quiz.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["questions"][0]["options"][option]["gentle"] = value  # q_thailand_visits: b is right
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=problem):
        load(content_copy)


def test_awareness_text_with_broken_html_is_refused(content_copy: Path) -> None:
    path = content_copy / "en" / "stories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("called Saray", "called <u>Saray", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"stories\[0\]\.screens\[0\]: tag '<u>' is not allowed"):
        load(content_copy)


def test_a_key_in_two_catalog_files_is_refused(content_copy: Path) -> None:
    for lang in LANGUAGES:
        source = (content_copy / lang / "messages.po").read_text(encoding="utf-8")
        entry = source[source.index('msgid "menu.help"') :].split("\n\n")[0]
        header = source.split("\n\n")[0]
        (content_copy / lang / "zz_extra.po").write_text(f"{header}\n\n{entry}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"zz_extra\.po: menu\.help: also in messages\.po"):
        load(content_copy)


def test_a_catalog_missing_in_one_language_is_named(content_copy: Path) -> None:
    (content_copy / "en" / "zz_extra.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    with pytest.raises(ContentError, match=r"km/zz_extra\.po: -: file is missing"):
        load(content_copy)
