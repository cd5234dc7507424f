"""A voice message or audio file someone sent: its length in seconds, read the same way
whichever type PTB gives it (an int now, a timedelta in a later version)."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Audio, Voice
from telegram.warnings import PTBDeprecationWarning


def seconds_of(media: Voice | Audio) -> int | None:
    """How long the recording is, in whole seconds (None when Telegram did not say)."""
    # PTB 22 warns that ``duration`` will become a timedelta; either form is read here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = media.duration
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) if value is not None else None
