"""UI strings: one gettext catalog per language, looked up by stable key, then formatted."""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from content.errors import ContentError, ContentErrors
from domain.parsing import to_khmer_digits


class Html(str):
    """Text that is already safe HTML (e.g. another looked-up string); inserted unescaped."""

    __slots__ = ()


def load_catalog(path: Path) -> dict[str, str]:
    """Reads a ``messages.po`` into {key: text}, refusing fuzzy or empty entries."""
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except OSError as error:
        raise ContentError(str(path), "-", f"cannot read the catalog: {error}") from error
    except PoFileError as error:
        raise ContentError(str(path), "-", f"not a valid .po file: {error}") from error
    texts: dict[str, str] = {}
    problems: list[ContentError] = []
    for message in catalog:
        if not message.id:
            continue  # the header
        key = str(message.id)
        if message.fuzzy:
            problems.append(ContentError(str(path), key, "marked fuzzy: translate or confirm it"))
        elif not isinstance(message.string, str) or not message.string.strip():
            problems.append(ContentError(str(path), key, "no translation (empty msgstr)"))
        elif problem := html_problem(message.string):
            problems.append(ContentError(str(path), key, problem))
        else:
            texts[key] = message.string
    if problems:
        raise ContentErrors(problems)
    return texts


_TAG = re.compile(r"<(/?)([a-zA-Z]*)[^>]*>")
ALLOWED_TAGS = ("b", "i", "a")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this text as HTML (only <b>, <i> and <a>, balanced), or None."""
    open_tags: list[str] = []
    for match in _TAG.finditer(text):
        closing, tag = match.group(1) == "/", match.group(2)
        if tag not in ALLOWED_TAGS:
            return f"tag {match.group(0)!r} is not allowed (only <b>, <i> and <a>)"
        if not closing:
            open_tags.append(tag)
        elif not open_tags or open_tags.pop() != tag:
            return f"{match.group(0)!r} closes nothing"
    if open_tags:
        return f"<{open_tags[-1]}> is never closed"
    stripped = _TAG.sub("", text)
    if "<" in stripped or ">" in stripped:
        return "a bare < or > must be written &lt; or &gt;"
    if re.search(r"&(?!(amp|lt|gt|quot|#\d+);)", stripped):
        return "a bare & must be written &amp;"
    return None


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text expects."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ValueError(f"broken braces: {error}") from error


class Texts:
    """All UI strings of all languages, checked to match one another."""

    def __init__(self, catalogs: Mapping[str, Mapping[str, str]], default_language: str) -> None:
        self._catalogs = {lang: dict(texts) for lang, texts in catalogs.items()}
        self.default_language = default_language

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._catalogs)

    def keys(self, language: str) -> set[str]:
        return set(self._catalogs[language])

    def keys_starting(self, language: str, prefix: str) -> list[str]:
        """The keys starting with ``prefix``, in catalog order (files by name, then as written)."""
        return [key for key in self._catalogs[language] if key.startswith(prefix)]

    def raw(self, language: str, key: str) -> str:
        """The catalog text itself, unformatted (KeyError when missing)."""
        catalog = self._catalogs.get(language) or self._catalogs[self.default_language]
        return catalog[key]

    def get(self, language: str, key: str, /, **values: object) -> Html:
        """Looks up ``key`` and fills in ``values``, HTML-escaping them unless already Html.

        Numbers are shown with Khmer digits in Khmer text.
        """
        template = self.raw(language, key)
        safe = {name: _render(value, language) for name, value in values.items()}
        return Html(template.format(**safe))

    def plain(self, language: str, key: str, /, **values: object) -> str:
        """Like get, for plain text (button labels, pop-ups): values are not HTML-escaped."""
        template = self.raw(language, key)
        return template.format(
            **{name: _render(value, language, escape=False) for name, value in values.items()}
        )


def _render(value: object, language: str, *, escape: bool = True) -> str:
    if isinstance(value, Html):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return to_khmer_digits(text) if language == "km" else text
    return html.escape(str(value), quote=False) if escape else str(value)


def check_parity(catalogs: Mapping[str, Mapping[str, str]], files: Mapping[str, Path]) -> None:
    """Every language has the same keys, and each key the same placeholders (all problems)."""
    problems: list[ContentError] = []
    languages = list(catalogs)
    reference = languages[0]
    for language in languages[1:]:
        for key in sorted(set(catalogs[reference]) - set(catalogs[language])):
            problems.append(ContentError(str(files[language]), key, f"missing (in {reference})"))
        for key in sorted(set(catalogs[language]) - set(catalogs[reference])):
            problems.append(ContentError(str(files[reference]), key, f"missing (in {language})"))
    for language in languages:
        for key, text in catalogs[language].items():
            if key not in catalogs[reference]:
                continue
            try:
                names = placeholders(text)
                expected = placeholders(catalogs[reference][key])
            except ValueError as error:
                problems.append(ContentError(str(files[language]), key, str(error)))
                continue
            if names != expected:
                problems.append(
                    ContentError(
                        str(files[language]),
                        key,
                        f"placeholders {sorted(names)} differ from {reference}'s",
                    )
                )
    if problems:
        raise ContentErrors(problems)
