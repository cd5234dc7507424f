"""The preview (``bot.py preview``): the real bot against the Bot API served on 127.0.0.1.

These drive the page's JSON API as the page does, and the Bot API as the bot does, over real
HTTP on loopback; the browser test drives the page itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.clock import ManualClock, ShiftedClock
from preview.run import PREVIEW_TOKEN, is_loopback
from tests.support.audio import silent_opus
from tests.support.chat import START, _words_of
from tests.support.preview import running_preview
from tests.test_recording import TOTAL

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"X-Preview": "1"}


class Page:
    """The chat page's side of the preview: what it reads and what it sends."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.version = -1

    async def state(self) -> dict[str, Any]:
        response = await self.client.get("/api/state", params={"after": -1})
        assert response.status_code == 200
        data: dict[str, Any] = response.json()
        return data

    async def send(self, persona: str, text: str) -> None:
        response = await self.client.post(
            "/api/send", json={"persona": persona, "text": text}, headers=HEADERS
        )
        assert response.status_code == 200, response.text

    async def press(self, persona: str, label: str) -> None:
        message, data = await self.button(persona, label)
        response = await self.client.post(
            "/api/press",
            json={"persona": persona, "message_id": message, "data": data},
            headers=HEADERS,
        )
        assert response.status_code == 200, response.text

    async def button(self, persona: str, label: str) -> tuple[int, str]:
        for message in reversed((await self.state())["chats"][persona]):
            for row in message["inline"]:
                for button in row:
                    text = button["text"]
                    if text == label or _words_of(text) == label:  # as chat.Person.click
                        return message["id"], button["data"]
        raise AssertionError(f"no button {label!r}")

    async def wait_for(self, persona: str, text: str, seconds: float = 10) -> dict[str, Any]:
        """The newest message of ``persona`` showing ``text`` (or a button of that name)."""
        for _ in range(int(seconds / 0.05)):
            for message in reversed((await self.state())["chats"][persona]):
                labels = [b["text"] for row in message["inline"] for b in row]
                shown = " ".join([message["text"], str(message["caption"]), *labels])
                if message["from_bot"] and text in shown:
                    return dict(message)
            await asyncio.sleep(0.05)
        raise AssertionError(f"{persona} never saw {text!r}")

    async def count(self, persona: str) -> int:
        return len((await self.state())["chats"][persona])


@pytest.fixture
async def page(tmp_path: Path) -> Any:
    async with running_preview(tmp_path) as url, httpx.AsyncClient(base_url=url) as client:
        yield Page(client)


async def test_the_page_is_served_with_its_khmer_font_and_nothing_from_elsewhere(
    page: Page,
) -> None:
    html = await page.client.get("/")
    assert html.status_code == 200 and 'lang="km"' in html.text
    assert "default-src 'self'" in html.headers["Content-Security-Policy"]
    assert "https://" not in html.text  # no fonts, scripts or styles fetched from the internet
    font = await page.client.get("/static/khmer.ttf")
    assert font.status_code == 200 and font.headers["Content-Type"] == "font/ttf"
    assert font.content[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    for asset in ("/static/app.js", "/static/style.css"):
        assert (await page.client.get(asset)).status_code == 200
    assert (await page.client.get("/static/../run.py")).status_code in (403, 404)


async def test_a_villager_starts_in_khmer_and_the_bot_answers_through_the_local_bot_api(
    page: Page,
) -> None:
    await page.send("villager", "/start")
    greeting = await page.wait_for("villager", "ភាសាខ្មែរ")
    assert greeting["inline"][0][0]["text"] == "🇰🇭 ភាសាខ្មែរ"
    await page.press("villager", "🇰🇭 ភាសាខ្មែរ")
    await page.wait_for("villager", "➡️ បន្ទាប់")  # the first of the three consent screens
    state = await page.state()
    assert [p["key"] for p in state["personas"]] == ["villager", "leader", "staff"]
    assert {"command": "start"}.items() <= state["commands"]["km"][0].items()
    assert state["chats"]["leader"] == []  # each person has their own chat


async def test_the_report_chart_and_table_are_uploaded_and_can_be_opened(page: Page) -> None:
    """Media go through a multipart upload and come back as files the page can show."""
    await page.send("staff", "/report")  # staff get a chart (a PNG photo) and a CSV document
    files: list[dict[str, Any]] = []
    for _ in range(200):
        chat = (await page.state())["chats"]["staff"]
        files = [m for m in chat if m["kind"] in ("photo", "document")]
        if len(files) >= 2:
            break
        await asyncio.sleep(0.05)
    kinds = {m["kind"]: m for m in files}
    assert set(kinds) == {"photo", "document"}, chat
    picture = await page.client.get(kinds["photo"]["file"])
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    document = await page.client.get(kinds["document"]["file"])
    assert "attachment" in document.headers["Content-Disposition"]
    assert document.content.startswith(b"\xef\xbb\xbf") or b"," in document.content


async def test_staff_record_from_the_page_and_the_villager_plays_it(page: Page) -> None:
    """A recording picked on the page goes to the bot as a voice message over real HTTP; the
    bot fetches its bytes from the file server, plays it back, keeps it, and sends it on."""
    audio = silent_opus()
    await page.send("staff", "/record")
    await page.wait_for("staff", "មេរៀន — ០/៥០")
    await page.press("staff", "មេរៀន — ០/៥០")
    await page.wait_for("staff", "⭕ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥")
    await page.press("staff", "⭕ ហេតុអ្វីមនុស្សចាកចេញពីភូមិ ១/៥")
    await page.wait_for("staff", "អានអក្សរនេះ")
    bad = await page.client.post(
        "/api/voice",
        json={"persona": "staff", "mime_type": "text/plain", "data": "aGVsbG8="},
        headers=HEADERS,
    )
    assert bad.status_code == 400
    sent = await page.client.post(
        "/api/voice",
        json={
            "persona": "staff",
            "mime_type": "audio/ogg",
            "data": base64.b64encode(audio).decode(),
        },
        headers=HEADERS,
    )
    assert sent.status_code == 200, sent.text
    take = await page.wait_for("staff", "រក្សាទុក ឬថតម្ដងទៀត")
    assert take["kind"] == "voice"
    assert (await page.client.get(take["file"])).content == audio  # the page can play it
    await page.press("staff", "✅ រក្សាទុក")
    await page.wait_for("staff", f"១ ក្នុងចំណោម {TOTAL}")

    await page.send("villager", "/start")
    steps = (  # (what the screen says, the button tapped): the two consent screens share "next"
        ("ភាសាខ្មែរ", "ភាសាខ្មែរ"),
        ("បូតនេះជួយអ្នក", "➡️ បន្ទាប់"),
        ("អ្នកណាឃើញ", "➡️ បន្ទាប់"),
        ("បាទ/ចាស ខ្ញុំយល់ព្រម", "បាទ/ចាស ខ្ញុំយល់ព្រម"),
        ("ស្រែ អំបិល", "ស្រែ អំបិល"),
        ("ជ្រោយស្វាយ", "ជ្រោយស្វាយ"),
        ("នេសាទ", "នេសាទ"),
    )
    for shown, label in steps:
        await page.wait_for("villager", shown)  # each screen, before its button is tapped
        await page.press("villager", label)
    await page.wait_for("villager", "រំលង")
    await page.send("villager", "/learn")
    await page.wait_for("villager", "📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ")
    await page.press("villager", "📖 ហេតុអ្វីមនុស្សចាកចេញពីភូមិ")
    await page.wait_for("villager", "🔊 ស្ដាប់")
    await page.press("villager", "🔊 ស្ដាប់")
    for _ in range(200):
        voices = [m for m in (await page.state())["chats"]["villager"] if m["kind"] == "voice"]
        if voices:
            break
        await asyncio.sleep(0.05)
    assert (await page.client.get(voices[0]["file"])).content == audio


async def test_forged_and_malformed_page_requests_change_nothing(page: Page) -> None:
    await page.send("villager", "/start")
    await page.wait_for("villager", "ភាសាខ្មែរ")
    before = await page.state()
    message, _ = await page.button("villager", "ភាសាខ្មែរ")
    client = page.client
    refused = [
        # a button the message does not have, a message that is not there, another person's
        ("/api/press", {"persona": "villager", "message_id": message, "data": "lang:xx"}),
        ("/api/press", {"persona": "villager", "message_id": 999, "data": "x"}),
        ("/api/press", {"persona": "leader", "message_id": message, "data": "x"}),
        ("/api/press", {"persona": "villager", "message_id": "1", "data": "x"}),
        ("/api/send", {"persona": "nobody", "text": "hi"}),
        ("/api/send", {"persona": "villager", "text": "   "}),
        ("/api/send", {"persona": "villager", "text": 42}),
        ("/api/advance", {"step": "year"}),
        ("/api/advance", {"step": -1}),
    ]
    for path, body in refused:
        response = await client.post(path, json=body, headers=HEADERS)
        assert response.status_code == 400, (path, body, response.text)
    assert (await client.post("/api/send", content=b"not json", headers=HEADERS)).status_code == 400
    assert (await client.post("/api/send", content=b"[1]", headers=HEADERS)).status_code == 400
    # Without the page's header (as a form on another web site would post): refused.
    no_header = await client.post("/api/send", json={"persona": "villager", "text": "/start"})
    assert no_header.status_code == 403
    await asyncio.sleep(0.3)  # would the bot have answered anything?
    after = await page.state()
    assert after["chats"] == before["chats"]
    assert after["offset_hours"] == 0


async def test_very_long_text_is_cut_to_what_telegram_allows(page: Page) -> None:
    await page.send("villager", "ក" * 10_000)
    await page.wait_for("villager", "/start")  # the bot asks a stranger to start first
    mine = [m for m in (await page.state())["chats"]["villager"] if not m["from_bot"]]
    assert len(mine[0]["text"]) == 4096


async def test_moving_time_on_runs_the_schedule_at_once(tmp_path: Path) -> None:
    clock = ShiftedClock(ManualClock(START))
    async with (
        running_preview(tmp_path, clock) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        page = Page(client)
        for step, hours in (("hour", 1), ("day", 25), ("week", 25 + 7 * 24)):
            response = await client.post("/api/advance", json={"step": step}, headers=HEADERS)
            assert response.status_code == 200
            assert (await page.state())["offset_hours"] == hours
        assert clock.now() > START


async def test_the_bot_api_refuses_what_telegram_refuses_over_http(page: Page) -> None:
    """The preview's Bot API is the tests' fake: the same checks, now over HTTP."""
    api = f"/bot{PREVIEW_TOKEN}"
    await page.send("villager", "/start")
    await page.wait_for("villager", "ភាសាខ្មែរ")
    chat = 5_000_001
    cases = [
        ({"chat_id": chat, "text": "<b>open", "parse_mode": "HTML"}, "can't parse entities"),
        ({"chat_id": chat, "text": "x" * 4097}, "message is too long"),
        ({"chat_id": chat, "text": ""}, "message text is empty"),
    ]
    for params, problem in cases:
        response = await page.client.post(f"{api}/sendMessage", data=params)
        body = json.loads(response.text)
        assert response.status_code == 400 and problem in body["description"], body
    unknown = await page.client.post(f"{api}/sendDice", data={"chat_id": chat})
    assert unknown.status_code == 404


def test_the_preview_listens_on_this_machine_only_unless_asked() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_make_run_without_a_token_says_it_starts_the_preview(tmp_path: Path) -> None:
    """``bot.py run --preview-if-no-token`` (what ``make run`` runs) on a busy port: it says it
    would start the preview, and fails with one clear line instead of a traceback."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = tmp_path / "config.yaml"
        config.write_text(f"storage: {{database: {tmp_path / 'bot.sqlite3'}}}\n")
        result = subprocess.run(
            [
                *(sys.executable, "bot.py", "--config", str(config), "run"),
                *("--preview-if-no-token", "--port", str(port)),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        )
    assert "No bot token is set, so this starts the local PREVIEW" in result.stdout
    assert "@BotFather" in result.stdout
    assert result.returncode == 1
    assert f"Cannot start the preview on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


async def test_the_pages_own_words_and_clock_come_from_the_content(page: Page) -> None:
    """No page words in code: content/<lang>/preview.po, the same keys in Khmer and English."""
    words = (await page.client.get("/api/words")).json()
    assert set(words) == {"km", "en"} and set(words["km"]) == set(words["en"])
    assert words["km"]["leader"] == "មេភូមិ" and words["en"]["leader"] == "Village chief"
    assert [k for k in sorted(words["km"]) if k.startswith("step_")] == [
        f"step_{n}" for n in range(1, 7)
    ]
    clock = (await page.state())["clock"]
    assert clock["en"] == "Sun 1 Mar 09:00"  # the test clock, in Phnom Penh time
    assert clock["km"].endswith("០៩:០០")


async def test_the_story_of_a_case_can_be_shown_from_sos_to_closed(page: Page) -> None:
    """Step 6 of the guide: a cry for help, a location, a note as a reply, an outcome."""
    await page.send("villager", "/sos")
    await page.wait_for("villager", "បើមានសុវត្ថិភាព")
    chat = (await page.state())["chats"]["villager"]
    assert [["📍 ផ្ញើទីតាំងរបស់ខ្ញុំ"], ["✖️ ទេ អរគុណ"]] in [m["keyboard"] for m in chat]
    await page.send("villager", "📍 ផ្ញើទីតាំងរបស់ខ្ញុំ")  # the page's location button
    pin = await page.wait_for("staff", "ទីតាំងរបស់អ្នកនោះ")
    assert pin["kind"] == "venue" and "13.7563, 100.5018" in pin["text"]
    await page.press("staff", "🤝 ខ្ញុំនឹងជួយ")
    await page.wait_for("villager", "បានឃើញសាររបស់អ្នក")
    await page.press("staff", "✏️ សរសេរកំណត់ចំណាំ")
    await page.wait_for("staff", "សូមឆ្លើយតបសារនេះ")
    await page.send("staff", "Called her; she is with Issara now")  # sent as the reply
    await page.wait_for("staff", "បានរក្សាទុកកំណត់ចំណាំ")
    await page.press("staff", "✔️ បិទករណី")
    await page.wait_for("staff", "មានសុវត្ថិភាព ហើយកំពុងធ្វើការ")  # the outcomes, in place
    await page.press("staff", "មានសុវត្ថិភាព ហើយកំពុងធ្វើការ")
    await page.wait_for("villager", "ខ្ញុំនៅតែត្រូវការជំនួយ")
