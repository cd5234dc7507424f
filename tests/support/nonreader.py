"""A villager who cannot read: she taps by a button's leading emoji, never by its words, never
types a letter or a digit, and listens. What she meets is counted as she goes.

    she = NonReader(bot.user(5001))
    await she.open_link("v_09060405")      # the poster's QR code: Telegram's START is a tap
    await she.tap("🇰🇭")                    # the one button on the screen that starts with it
    she.counts.silent                       # screens she saw with neither a voice nor a picture

Her phone has no keyboard in this test: ``Person.send`` is not hers to call. She may share her
location and her own contact (Telegram's buttons), and speak a voice message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from preview.botapi import ChatMessage
from screens.buttons import leading_sign
from tests.support.chat import Person

LISTEN_PREFIX = "hear:"  # screens/listen_button.py: the 🔊 button of a recorded screen


@dataclass
class Counts:
    """What she met: screens without voice or picture, buttons without a symbol, and the screen
    texts (their first line) of each, so a failing goal names them."""

    screens: int = 0
    silent: list[str] = field(default_factory=list)
    unmarked: set[str] = field(default_factory=set)  # button labels without a leading symbol
    typing_needed: list[str] = field(default_factory=list)  # screens she could not leave


class NonReader:
    def __init__(self, person: Person) -> None:
        self.person = person
        self.counts = Counts()
        self._seen: set[tuple[int, int]] = set()

    @property
    def id(self) -> int:
        return self.person.id

    # -- what she does --------------------------------------------------------------------

    async def open_link(self, payload: str = "") -> None:
        """Opens the bot from a QR code or link: Telegram shows START, and she taps it."""
        await self.person.send(f"/start {payload}".strip())
        self._look()

    async def tap(self, symbol: str) -> None:
        """Taps the one button of the newest screen that starts with ``symbol``.

        Inline buttons first, then the reply keyboard (where "📍 share my location" and the
        like sit). Two buttons with the same symbol on one screen are a defect: she cannot
        tell them apart.
        """
        self._look()  # she sees the screen before she taps (a tap may take its buttons away)
        message = self._last_with_buttons()
        inline = message.buttons() if message is not None else []
        matching = [(label, data) for label, data in inline if leading_sign(label) == symbol]
        if len(matching) > 1:
            raise AssertionError(f"two buttons start with {symbol}: {[m[0] for m in matching]}")
        if matching:
            await self.person.press(matching[0][1], message)
            self._look()
            return
        reply = [b for b in self.person.reply_buttons() if leading_sign(b) == symbol]
        if len(reply) == 1:
            await self.person.send(reply[0])  # a reply keyboard's button sends its own label
            self._look()
            return
        first_line = self._newest_text().split("\n", 1)[0]
        self.counts.typing_needed.append(first_line)
        raise AssertionError(
            f"no button starts with {symbol} on «{first_line}»: {[b for b, _ in inline]}"
            f" {self.person.reply_buttons()}"
        )

    async def open_menu(self) -> None:
        """Telegram's ☰ menu button, then «menu»: a tap that sends /menu for her."""
        await self.person.send("/menu")
        self._look()

    def look(self) -> None:
        """Reads what arrived without her doing anything (news pushed to her phone)."""
        self._look()

    def newest_text(self) -> str:
        return self._newest_text()

    async def listen(self) -> None:
        """Taps 🔊 on the newest screen (the recording plays)."""
        await self.tap("🔊")

    async def speak(self, seconds: int = 4) -> str:
        """Says something as a voice message (a name, a number); its file id."""
        from tests.support.audio import silent_opus

        file_id = await self.person.send_voice(silent_opus(frames=5), duration=seconds)
        self._look()
        return file_id

    async def share_location(self) -> None:
        await self.person.send_location(11.2, 99.5)
        self._look()

    async def share_own_number(self, phone: str = "+855 12 345 678") -> None:
        await self.person.send_contact(phone, user_id=self.person.id)
        self._look()

    # -- what she meets -------------------------------------------------------------------

    def _look(self) -> None:
        """Counts every new screen of the bot: voiced (🔊, or a voice after it), pictured (a
        photo before it), or silent; and every button label without a leading symbol."""
        messages = [m for m in self.person._messages() if m.from_bot]
        for n, message in enumerate(messages):
            key = (message.message_id, message.edits)
            if key in self._seen or message.kind != "text":
                continue
            self._seen.add(key)
            self.counts.screens += 1
            if not self._voiced(messages, n):
                self.counts.silent.append(message.text.split("\n", 1)[0][:80])
            for label, _ in message.buttons():
                if leading_sign(label) is None:
                    self.counts.unmarked.add(label)

    @staticmethod
    def _voiced(messages: list[ChatMessage], n: int) -> bool:
        message = messages[n]
        if any(data.startswith(LISTEN_PREFIX) for _, data in message.buttons()):
            return True
        after = messages[n + 1] if n + 1 < len(messages) else None
        before = messages[n - 1] if n > 0 else None
        return (after is not None and after.kind == "voice") or (
            before is not None and before.kind == "photo"
        )

    def _last_with_buttons(self) -> ChatMessage | None:
        with_buttons = [m for m in self.person._messages() if m.from_bot and m.buttons()]
        return with_buttons[-1] if with_buttons else None

    def _newest_text(self) -> str:
        texts = [m.text for m in self.person._messages() if m.from_bot and m.kind == "text"]
        return texts[-1] if texts else ""


async def record_everything(staff: Person) -> int:
    """A staff member records every item through /record's «next not yet recorded» (a short
    silent take for each: the test needs a recording, not a voice); returns how many."""
    from tests.support.audio import silent_opus

    await staff.send("/record")
    await staff.click("⏭ ទំព័របន្ទាប់ ដែលមិនទាន់ថត")
    kept = 0
    while "✅ ទំព័រទាំងអស់ មានសំឡេងហើយ។" not in staff.last_text():
        await staff.send_voice(silent_opus(frames=3))
        await staff.click("✅ រក្សាទុក")
        kept += 1
    return kept
