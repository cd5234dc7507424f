"""The preview's chat page in a real headless Chromium (Playwright, Debian's chromium).

The whole story by clicking, as a trainer would show it: a villager onboards in Khmer, staff
invite a village leader who opens the link in their own view, the villager registers a
departure, the leader acknowledges it, "+1 day" twice brings the first check-in, and her
"I need help now" alerts the leader, who takes it on.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.preview import PreviewThread

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("PREVIEW_CHROMIUM") or shutil.which("chromium") or ""
# Flags for a root user in a sandbox with a closed network (see the env notes): no sandbox,
# no GPU, and none of Chromium's own calls home, which this machine would refuse.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM and os.environ.get("PREVIEW_BROWSER_REQUIRED") == "1":
    raise RuntimeError("PREVIEW_BROWSER_REQUIRED=1 but chromium is not installed")
pytestmark = pytest.mark.skipif(
    not CHROMIUM, reason="needs Debian's chromium (make test installs it: apt-get install chromium)"
)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: PREVIEW_SCREENSHOTS to keep and look at them, else a temp folder."""
    folder = Path(os.environ.get("PREVIEW_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    with PreviewThread(tmp_path) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="km-KH")
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        tab.goto(url)
        yield tab
        browser.close()
        assert problems == [], problems  # no script errors, nothing blocked by the page's CSP


class Chat:
    """One person's pane on the page, used as the person would use it."""

    def __init__(self, tab: object, persona: str) -> None:
        self.tab = tab
        self.pane = tab.locator(f'.pane[data-persona="{persona}"]')  # type: ignore[attr-defined]

    def messages(self) -> object:
        return self.pane.locator(".messages")

    def text(self) -> str:
        return str(self.messages().inner_text())  # type: ignore[attr-defined]

    def type(self, text: str) -> None:
        box = self.pane.locator("textarea")
        box.fill(text)
        box.press("Enter")

    def click(self, label: str) -> None:
        """Taps the button on the newest message that has it, then waits for the bot."""
        before = self.text()
        # By its words alone too, as chat.Person.click: «ស្ត្រី» is the button «👩 ស្ត្រី».
        # (A "/" would end Playwright's regex, as in «បាទ/ចាស»: escaped too.)
        name = re.compile(r"^(?:\S+ )?" + re.escape(label).replace("/", r"\/") + "$")
        self.pane.locator(".message.bot").filter(
            has=self.tab.get_by_role("button", name=name)  # type: ignore[attr-defined]
        ).last.get_by_role("button", name=name).click()
        self.wait_for_change(before)

    def wait_for_change(self, before: str) -> None:
        self.tab.wait_for_function(  # type: ignore[attr-defined]
            "([selector, before]) => document.querySelector(selector).innerText !== before",
            arg=[f'.pane[data-persona="{self.persona}"] .messages', before],
        )

    @property
    def persona(self) -> str:
        return str(self.pane.get_attribute("data-persona"))

    def expect(self, text: str) -> None:
        sync_api.expect(self.messages()).to_contain_text(text, timeout=15_000)


def read_consent(chat: Chat) -> None:
    """The first two consent screens (welcome; what is kept and who sees it), as in journeys."""
    for _ in range(2):
        chat.click("➡️ បន្ទាប់")


def test_the_whole_story_in_khmer_by_clicking(page: object, shots: Path) -> None:
    tab = page
    expect = sync_api.expect
    expect(tab.locator("#people button")).to_have_count(3)  # type: ignore[attr-defined]
    villager, leader, staff = Chat(tab, "villager"), Chat(tab, "leader"), Chat(tab, "staff")

    # The villager onboards in Khmer, by clicking.
    villager.type("/start")
    villager.expect("ភាសាខ្មែរ")
    villager.click("ភាសាខ្មែរ")
    read_consent(villager)
    for label in ("បាទ/ចាស ខ្ញុំយល់ព្រម", "ស្រែ អំបិល", "ជ្រោយស្វាយ", "នេសាទ"):
        villager.click(label)
    villager.click("រំលង")
    villager.click("រំលង")
    villager.expect("ម៉ឺនុយ")
    _inspect_khmer(tab, shots / "khmer.png")

    # Staff invite the leader of Nesat; the leader opens the link in their own view.
    staff.type("/invite 09060405")
    staff.expect("t.me")
    staff.pane.locator('.message.bot a[href*="start=l_"]').last.click()
    tab.locator('#chooser-people button[data-persona="leader"]').click()  # type: ignore[attr-defined]
    leader.expect("ភាសាខ្មែរ")
    leader.click("ភាសាខ្មែរ")
    read_consent(leader)
    leader.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    leader.expect("នេសាទ")

    # The villager registers a departure (leaves tomorrow, arrives the same day).
    villager.type("/plan")
    villager.click("សមាជិកគ្រួសារខ្ញុំ")
    villager.type("Srey Mom")
    villager.click("ស្ត្រី")
    villager.type("២០")
    villager.click("🇹🇭 ថៃ")
    villager.click("កែច្នៃគ្រឿងសមុទ្រ (បង្គា ក្ដាម)")
    villager.click("ខ្លី តាមរដូវ (ពីរបីខែ)")
    villager.click("មេខ្យល់")
    villager.click("✅ រួចរាល់")
    villager.click("រំលង")
    villager.type("២៥០")
    villager.click("ថ្ងៃស្អែក")
    villager.click("ថ្ងៃដដែល")
    villager.click("ក្រីក្រ ឬជំពាក់បំណុល")
    villager.type("012 345 678")
    villager.click("✅ បាទ/ចាស ផ្ញើទៅមេភូមិ")

    # The notice reaches the leader, who acknowledges it in their own view.
    leader.expect("Srey Mom")
    leader.click("✅ ខ្ញុំបានឃើញហើយ")
    leader.expect("បានឃើញហើយ")
    villager.expect("បានឃើញ")

    # Two days later (in the bot's clock) the first check-in arrives.
    tab.get_by_role("button", name="+១ ថ្ងៃ").click()  # type: ignore[attr-defined]
    expect(tab.locator("#ahead")).to_contain_text("១")  # type: ignore[attr-defined]
    tab.get_by_role("button", name="+១ ថ្ងៃ").click()  # type: ignore[attr-defined]
    villager.expect("សុខសប្បាយទេ?")
    expect(villager.pane.get_by_role("button", name="🙂 ខ្ញុំសុខសប្បាយ")).to_be_visible()

    # She asks for help now: the leader and the staff are alerted; the leader takes it on.
    villager.click("🚨 ខ្ញុំត្រូវការជំនួយឥឡូវនេះ")
    villager.expect("យើងបានប្រាប់")
    leader.expect("សុំជំនួយបន្ទាន់")
    staff.expect("សុំជំនួយបន្ទាន់")
    # Under the numbers, Telegram's location button; pressed, the pin reaches those helping.
    villager.pane.locator(".reply-keyboard button", has_text="ផ្ញើទីតាំងរបស់ខ្ញុំ").click()
    staff.expect("ទីតាំងរបស់អ្នកនោះ")
    leader.click("🤝 ខ្ញុំនឹងជួយ")
    villager.expect("បានឃើញសាររបស់អ្នកហើយ")
    tab.screenshot(path=str(shots / "story.png"))  # type: ignore[attr-defined]

    # The leader keeps a note (the answer to the bot's question) and closes the case.
    leader.click("✏️ សរសេរកំណត់ចំណាំ")
    leader.type("បានទូរស័ព្ទទៅគាត់ហើយ")
    leader.expect("បានរក្សាទុកកំណត់ចំណាំ")
    leader.click("✔️ បិទករណី")
    leader.click("មានសុវត្ថិភាព ហើយកំពុងធ្វើការ")
    villager.expect("ខ្ញុំនៅតែត្រូវការជំនួយ")
    tab.screenshot(path=str(shots / "case.png"))  # type: ignore[attr-defined]


def _inspect_khmer(tab: object, screenshot: Path) -> None:
    """Khmer is drawn in the shipped Noto Sans Khmer, shaped (not boxes), and a screenshot kept.

    Shaping is checked where a person would see it go wrong: a word with a subscript consonant
    (ខ្មែរ) must be narrower than its letters laid side by side, which only a shaping font does.
    """
    loaded = tab.evaluate(  # type: ignore[attr-defined]
        "document.fonts.check('16px \"Noto Sans Khmer\"', 'ខ្មែរ')"
    )
    assert loaded, "the Khmer web font did not load"
    widths = tab.evaluate(  # type: ignore[attr-defined]
        """() => {
            const probe = (text) => {
                const span = document.createElement('span');
                span.style.font = '32px "Noto Sans Khmer"';
                span.textContent = text;
                document.body.append(span);
                const width = span.getBoundingClientRect().width;
                span.remove();
                return width;
            };
            return [probe('ខ្មែរ'), ['ខ', '្', 'ម', 'ែ', 'រ'].map(probe).reduce((a, b) => a + b)];
        }"""
    )
    shaped, apart = widths
    assert 0 < shaped < apart, widths
    tab.screenshot(path=str(screenshot))  # type: ignore[attr-defined]
    assert screenshot.stat().st_size > 10_000  # a page with text, not a blank frame


def test_a_posters_link_opens_as_the_villager(page: object, shots: Path) -> None:
    """Staff get a village's poster; its link, tapped on the page, is the villager's scan."""
    tab = page
    villager, staff = Chat(tab, "villager"), Chat(tab, "staff")
    staff.type("/poster 09060405")
    staff.expect("start=v_09060405")
    staff.pane.locator('.message.bot .caption a[href*="start=v_09060405"]').last.click()
    tab.locator('#chooser-people button[data-persona="villager"]').click()  # type: ignore[attr-defined]
    villager.expect("ភាសាខ្មែរ")
    villager.click("ភាសាខ្មែរ")
    read_consent(villager)
    villager.click("បាទ/ចាស ខ្ញុំយល់ព្រម")
    villager.expect("តើអ្នករស់នៅភូមិ នេសាទ ឃុំជ្រោយស្វាយ មែនទេ?")
    tab.screenshot(path=str(shots / "poster-confirm.png"))  # type: ignore[attr-defined]
    villager.click("✅ បាទ/ចាស ភូមិខ្ញុំ")
    villager.expect("ភូមិរបស់អ្នក៖ នេសាទ ឃុំជ្រោយស្វាយ")
