"""The policy's own rules, cell by cell: who may see which piece in which circumstance.

``test_visibility.py`` checks that every screen follows the policy; this checks the policy says
what docs/THREATS.md promises, so a change to it is a change to these lines too.
"""

from __future__ import annotations

import pytest

from domain.visibility import Circumstances, Piece, Show, Viewer, circumstances_of, show

SHOWN, HIDDEN, MASKED = Show.SHOWN, Show.HIDDEN, Show.MASKED
PLAIN = circumstances_of("poverty_debt")
VIOLENCE_SHARED = circumstances_of("violence")
VIOLENCE_HIDDEN = circumstances_of("violence_hidden")
STAFF_ONLY = circumstances_of("violence_private")
CREDITORS_STAFF_ONLY = circumstances_of("creditors_private")
PREFERS_NOT = circumstances_of("private")
ERASED = circumstances_of("poverty_debt", erased=True)
CLOSED = circumstances_of("poverty_debt", case_open=False)


def family(answer: str | None, reason: str = "poverty_debt") -> Circumstances:
    return circumstances_of(reason, relative_answer=answer, family_case=True)


RULES = [
    # A chief of the village sees the trip and the case, not what the family may not.
    (Viewer.CHIEF, PLAIN, Piece.NAME, SHOWN),
    (Viewer.CHIEF, PLAIN, Piece.FAMILY_PHONE, SHOWN),
    (Viewer.CHIEF, PLAIN, Piece.VIEWS, HIDDEN),
    (Viewer.CHIEF, PLAIN, Piece.PAPER_DATES, MASKED),
    (Viewer.CHIEF, CLOSED, Piece.LOCATION, HIDDEN),
    # After violence at home the family may be whom she left, and may ask the chief.
    (Viewer.CHIEF, VIOLENCE_SHARED, Piece.FAMILY_PHONE, HIDDEN),
    (Viewer.CHIEF, VIOLENCE_SHARED, Piece.LOCATION, HIDDEN),
    (Viewer.CHIEF, VIOLENCE_SHARED, Piece.VOICE, HIDDEN),
    (Viewer.CHIEF, VIOLENCE_SHARED, Piece.REASON, SHOWN),
    (Viewer.CHIEF, VIOLENCE_HIDDEN, Piece.REASON, MASKED),
    (Viewer.CHIEF, VIOLENCE_HIDDEN, Piece.DESTINATION, SHOWN),  # she was told, and chose it
    (Viewer.CHIEF, PREFERS_NOT, Piece.REASON, MASKED),
    # Only staff know where and when: nothing of the record, not even that there is one.
    *[(Viewer.CHIEF, c, p, HIDDEN) for c in (STAFF_ONLY, CREDITORS_STAFF_ONLY) for p in Piece],
    # A family's case reads the same to the chief whatever the relative did.
    (Viewer.CHIEF, family(None), Piece.REPORTED, SHOWN),
    (Viewer.CHIEF, family(None), Piece.REPORTER_CONTACT, SHOWN),
    (Viewer.CHIEF, family(None), Piece.REPORTED_PHONE, HIDDEN),
    (Viewer.CHIEF, family(None), Piece.NOTES, MASKED),
    (Viewer.CHIEF, family("safe"), Piece.RELATIVE_ANSWER, SHOWN),
    *[
        (Viewer.CHIEF, family(answer), piece, HIDDEN)
        for answer in (None, "message", "nothing", "notme")
        for piece in (Piece.RELATIVE_ANSWER, Piece.RELATIVE_ANSWERED, Piece.RELATIVE_WORDS)
    ],
    (Viewer.CHIEF, family("nothing", "violence_private"), Piece.REPORTED, SHOWN),
    (Viewer.CHIEF, family("nothing", "violence_private"), Piece.NAME, HIDDEN),
    # Staff see everything they need, the reason she kept back as "prefers not to say".
    (Viewer.STAFF, STAFF_ONLY, Piece.NAME, SHOWN),
    (Viewer.STAFF, STAFF_ONLY, Piece.LOCATION, SHOWN),
    (Viewer.STAFF, STAFF_ONLY, Piece.REASON, MASKED),
    (Viewer.STAFF, VIOLENCE_SHARED, Piece.FAMILY_PHONE, SHOWN),
    (Viewer.STAFF, PLAIN, Piece.VIEWS, SHOWN),
    (Viewer.STAFF, family("nothing"), Piece.RELATIVE_ANSWER, SHOWN),
    (Viewer.STAFF, family("message"), Piece.RELATIVE_WORDS, SHOWN),
    # Erased: the person's own data is gone for everyone; the case's work stays.
    *[
        (viewer, ERASED, piece, HIDDEN)
        for viewer in (Viewer.STAFF, Viewer.CHIEF)
        for piece in (Piece.NAME, Piece.AGE, Piece.FAMILY_PHONE, Piece.CONTACT, Piece.LOCATION)
    ],
    (Viewer.STAFF, ERASED, Piece.NOTES, SHOWN),
    # The family hears only what the relative chose, never where.
    (Viewer.FAMILY, family("safe"), Piece.RELATIVE_ANSWER, SHOWN),
    (Viewer.FAMILY, family("message"), Piece.RELATIVE_WORDS, SHOWN),
    (Viewer.FAMILY, family("nothing"), Piece.RELATIVE_ANSWER, HIDDEN),
    (Viewer.FAMILY, family("notme"), Piece.RELATIVE_ANSWER, HIDDEN),
    *[(Viewer.FAMILY, family("safe"), p, HIDDEN) for p in (Piece.DESTINATION, Piece.DATES)],
    # The person sees their own record, but not what those handling it wrote or who looked.
    (Viewer.PERSON, PLAIN, Piece.FAMILY_PHONE, SHOWN),
    (Viewer.PERSON, VIOLENCE_HIDDEN, Piece.REASON, MASKED),  # a shared phone may open /mydata
    (Viewer.PERSON, PLAIN, Piece.NOTES, HIDDEN),
    (Viewer.PERSON, PLAIN, Piece.VIEWS, HIDDEN),
    # A revoked chief, a chief of elsewhere and anyone else: nothing at all.
    *[
        (viewer, c, piece, HIDDEN)
        for viewer in (Viewer.REVOKED_CHIEF, Viewer.CHIEF_ELSEWHERE, Viewer.STRANGER)
        for c in (PLAIN, family("safe"))
        for piece in Piece
    ],
]


@pytest.mark.parametrize(("viewer", "circumstances", "piece", "expected"), RULES)
def test_the_rule(
    viewer: Viewer, circumstances: Circumstances, piece: Piece, expected: Show
) -> None:
    assert show(piece, viewer, circumstances) is expected
