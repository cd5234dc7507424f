"""How soon a case must be taken on, and when an untaken one reminds everyone (pure).

Primero's defaults: a high-risk case (a cry for help, violence, not free to leave) within an
hour, any other within three. A case nobody takes on reminds every chief of its village and
staff at that deadline, then again after twice as long, and so on (at most once a day): a cry
for help must not go quiet, and hourly messages all night would teach people to ignore them.
"""

from __future__ import annotations

from datetime import timedelta

HIGH_RISK_KINDS = ("sos", "help")
# Check-in problems that make a case high-risk whatever its kind (content/*/checkin.yaml ids).
HIGH_RISK_PROBLEMS = ("threats_violence", "not_free")
LONGEST_GAP = timedelta(days=1)


def high_risk(kind: str, details: tuple[str, ...]) -> bool:
    """Whether a case is high-risk: a cry for help, or violence or no freedom to leave."""
    return kind in HIGH_RISK_KINDS or any(d in HIGH_RISK_PROBLEMS for d in details)


def take_on_within(
    kind: str, details: tuple[str, ...], *, high: timedelta, other: timedelta
) -> timedelta:
    """How long a case may wait to be taken on before everyone is reminded."""
    return high if high_risk(kind, details) else other


def next_reminder(window: timedelta, reminders_sent: int) -> timedelta:
    """How long after a reminder the next one comes: the window, doubled each time, a day at
    most (1 h, 2 h, 4 h, ... for a cry for help)."""
    return min(LONGEST_GAP, window * (1 << max(0, min(reminders_sent, 16))))


def taken_in_time(waited: timedelta, window: timedelta) -> bool:
    return waited <= window
