"""Posters: one per village from the command line, each QR read back, and the villager who
scans one lands on her village's confirmation (or the normal choice when the code is wrong)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

import bot as cli
from app.config import load_config
from content.bundle import Content, load_content
from content.places import Place
from printables.posters import Poster, poster_problems, villages_for
from tests.support.chat import Bot, Person
from tests.support.journeys import STAFF_ID, read_consent
from tests.support.qr import pdf_page, qr_links, qr_links_in_pdf
from tests.test_onboarding import AGREE_KM, KHMER

USERNAME = "safe_migration_test_bot"
NESAT = "09060405"
CONFIRM_NESAT = "តើអ្នករស់នៅភូមិ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ មែនទេ?"
YES_MY_VILLAGE = "✅ បាទ/ចាស ភូមិខ្ញុំ"
CHOOSE_DISTRICT = "តើអ្នករស់នៅស្រុកណា?"


def _content() -> Content:
    config = load_config(None)
    return load_content(
        districts=config.districts,
        places_scope=config.places_scope,
        default_language=config.default_language,
    )


def test_posters_all_makes_one_pdf_per_pilot_village_whose_qr_opens_that_village(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["posters", "--all", "--username", USERNAME, "--out", str(tmp_path)]) == 0
    assert "Posters written: 28" in capsys.readouterr().out
    villages = {p.village.code for p in villages_for(_content())}
    assert len(villages) == 28
    files = sorted(tmp_path.glob("*.pdf"))
    assert {f.stem.removeprefix("poster-") for f in files} == villages
    for file in files:
        pdf = file.read_bytes()
        code = file.stem.removeprefix("poster-")
        assert qr_links_in_pdf(pdf) == [f"https://t.me/{USERNAME}?start=v_{code}"], file.name
        assert b"/FontFile2" in pdf and b"NotoSansKhmer" in pdf  # the font travels with it
        assert b"/Subtype /Image" in pdf  # the strip of what the bot does, drawn (issue 25)


def test_a_poster_is_read_from_a_rough_print_too() -> None:
    """A poster printed small and grey (a cheap printer, read at 60 dpi) still scans."""
    content = _content()
    poster = villages_for(content, village=NESAT)[0]
    from printables.posters import poster_pdf, with_links

    pdf = poster_pdf(content, with_links([poster], USERNAME)[0], USERNAME)
    grey = pdf_page(pdf, dpi=60).convert("L").point(lambda v: 90 if v < 128 else 200)
    assert qr_links(grey.convert("RGB")) == [f"https://t.me/{USERNAME}?start=v_{NESAT}"]


def test_posters_for_one_village_or_district_and_bad_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, district = tmp_path / "one", tmp_path / "district"
    one.mkdir()
    district.mkdir()
    assert cli.main(["posters", "--village", NESAT, "--username", USERNAME, "--out", str(one)]) == 0
    assert [f.name for f in one.iterdir()] == [f"poster-{NESAT}.pdf"]
    assert (
        cli.main(["posters", "--district", "0901", "--username", USERNAME, "--out", str(district)])
        == 0
    )
    assert all(f.name.startswith("poster-0901") for f in district.iterdir())
    assert len(list(district.iterdir())) == 7
    capsys.readouterr()
    for wrong in (
        ["posters", "--village", "99999999", "--username", USERNAME, "--out", str(one)],
        ["posters", "--village", NESAT, "--all", "--username", USERNAME, "--out", str(one)],
        ["posters", "--all", "--username", USERNAME, "--out", str(tmp_path / "missing")],
        ["posters", "--all", "--username", "bad name!", "--out", str(one)],
        ["posters", "--all", "--out", str(one)],  # no username, no token to ask Telegram
    ):
        assert cli.main(wrong) == 2, wrong
        assert capsys.readouterr().err.strip()
    assert len(list(one.iterdir())) == 1  # nothing written by the refused ones


def test_check_builds_a_poster_for_every_village_and_names_a_broken_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check"]) == 0
    assert "Posters: one for each of the 28 villages (OK)" in capsys.readouterr().out
    content = _content()
    poster = villages_for(content, village=NESAT)[0]
    assert poster_problems(content, poster) == []
    # A name with its vowel typed before the consonant would print with a dotted circle.
    broken = Poster(replace(poster.village, name_km="ិនេសាទ"), poster.commune, "")
    assert any("◌" in problem for problem in poster_problems(content, broken))
    nameless = Poster(Place(NESAT, "", "Nesat"), poster.commune, "")
    assert any("no Khmer" in problem for problem in poster_problems(content, nameless))


async def scan_poster(villager: Person, village: str = NESAT) -> None:
    await villager.send(f"/start v_{village}")
    await villager.click(KHMER)
    await read_consent(villager)
    await villager.click(AGREE_KM)


async def test_a_scanned_poster_lands_on_the_villages_confirmation(bot: Bot) -> None:
    villager = bot.user(1601)
    await scan_poster(villager)
    assert villager.last_text() == CONFIRM_NESAT
    assert villager.buttons() == [YES_MY_VILLAGE, "✖️ ទេ ខ្ញុំជ្រើសរើសភូមិផ្សេង"]
    assert await bot.store.get_user(1601) is None  # nothing kept before she confirms

    await villager.click(YES_MY_VILLAGE)
    assert "ភូមិរបស់អ្នក៖ <b>នេសាទ</b> ឃុំជ្រោយស្វាយ" in villager.last_text()
    profile = await bot.store.get_user(1601)
    assert profile is not None
    assert (profile.village_code, profile.district_code) == (NESAT, "0906")
    assert await bot.store.entry_of(1601) == ("poster", NESAT)


async def test_not_my_village_gives_the_normal_choice_and_still_counts_the_poster(bot: Bot) -> None:
    villager = bot.user(1602)
    await scan_poster(villager)
    await villager.click("ទេ ខ្ញុំជ្រើសរើសភូមិផ្សេង")
    assert villager.last_text() == CHOOSE_DISTRICT
    await villager.click("បុទុមសាគរ")
    await villager.click("កណ្ដោល")
    await villager.click("ព្រលាន")
    profile = await bot.store.get_user(1602)
    assert profile is not None and profile.village_code != NESAT
    assert await bot.store.entry_of(1602) == ("poster", NESAT)


@pytest.mark.parametrize(
    "payload",
    [
        "v_99999999",  # not a village the bot offers
        "v_0906040",  # seven digits
        "v_090604051",  # nine
        "v_០៩០៦០៤០៥",  # Khmer digits: a code is never typed, so this is not one of ours
        "v_",
        "v_09060405<script>",
        "v_" + "9" * 60,
    ],
)
async def test_a_wrong_poster_code_falls_back_to_the_normal_choice(bot: Bot, payload: str) -> None:
    villager = bot.user(1603)
    await scan_poster(villager, payload.removeprefix("v_"))
    assert villager.last_text() == CHOOSE_DISTRICT
    await villager.click("ស្រែ អំបិល")
    await villager.click("ជ្រោយស្វាយ")
    await villager.click("នេសាទ")
    assert await bot.store.entry_of(1603) == ("typed", None)


async def test_bad_input_at_the_confirmation_changes_nothing(bot: Bot) -> None:
    villager = bot.user(1604)
    await scan_poster(villager)
    await villager.send_sticker()
    assert villager.last_text().endswith(CONFIRM_NESAT)
    await villager.send("នេសាទ " * 800)  # very long typing where a button is expected
    assert villager.last_text().endswith(CONFIRM_NESAT)
    await villager.press("onb:poster:maybe")  # forged
    assert villager.last_text().endswith(CONFIRM_NESAT)
    await villager.press("onb:village:09010103")  # a press from another screen
    assert villager.last_text().endswith(CONFIRM_NESAT)
    assert await bot.store.get_user(1604) is None

    await bot.restart()  # in the middle: she finds the same question
    await villager.click(YES_MY_VILLAGE)
    profile = await bot.store.get_user(1604)
    assert profile is not None and profile.village_code == NESAT


async def test_someone_already_in_the_bot_who_scans_a_poster_keeps_their_village(bot: Bot) -> None:
    villager = bot.user(1605)
    await scan_poster(villager, "09010103")
    await villager.click(YES_MY_VILLAGE)
    await villager.send(f"/start v_{NESAT}")
    assert "ម៉ឺនុយដើម" in villager.last_text()
    profile = await bot.store.get_user(1605)
    assert profile is not None and profile.village_code == "09010103"
    assert await bot.store.entry_of(1605) == ("poster", "09010103")


async def test_the_entry_is_erased_with_the_person_and_shown_in_mydata(bot: Bot) -> None:
    villager = bot.user(1606)
    await scan_poster(villager)
    await villager.click(YES_MY_VILLAGE)
    await villager.send("/mydata")
    assert "អ្នកចូលបូតតាម៖ ផ្ទាំងរូបភាពនៅភូមិ (នេសាទ)" in villager.last_text()
    await villager.send("/delete")
    await villager.click("បាទ/ចាស លុបទាំងអស់")
    assert await bot.store.entry_of(1606) is None
    assert await bot.store.rows_about(1606) == 0


@pytest.mark.staffed
async def test_staff_get_a_villages_poster_in_telegram(bot: Bot) -> None:
    staff, villager = bot.user(STAFF_ID, "Staff", "en"), bot.user(1607)
    await staff.send("/start")
    await staff.click("English")
    await read_consent(staff, "en")
    await staff.click("Yes, I agree")
    await staff.send(f"/poster {NESAT}")
    document = bot.telegram.chats[STAFF_ID][-1]
    assert document.kind == "document" and document.caption is not None
    assert f"https://t.me/{USERNAME}?start=v_{NESAT}" in document.caption
    pdf = bot.telegram.documents[document.message_id]
    assert qr_links_in_pdf(pdf) == [f"https://t.me/{USERNAME}?start=v_{NESAT}"]
    for wrong in ("/poster", "/poster 123", "/poster ០៩០៦០៤០៥", f"/poster {NESAT} {NESAT}"):
        await staff.send(wrong)
        assert staff.last_text().startswith("Write /poster and a village code")
    await villager.send(f"/poster {NESAT}")
    assert villager.last_text() == "នេះសម្រាប់តែបុគ្គលិកគម្រោងប៉ុណ្ណោះ។"


def _scanned(folder: Path) -> dict[str, str]:
    """Each poster's village code and the link its QR code holds."""
    return {
        file.stem.removeprefix("poster-"): qr_links_in_pdf(file.read_bytes())[0]
        for file in sorted(folder.glob("*.pdf"))
    }


async def test_every_posters_scanned_link_lands_on_its_own_villages_confirmation(
    bot: Bot, tmp_path: Path
) -> None:
    args = ["posters", "--all", "--username", USERNAME, "--out", str(tmp_path)]
    assert await asyncio.to_thread(cli.main, args) == 0
    places = _content().places
    scanned = await asyncio.to_thread(_scanned, tmp_path)
    assert len(scanned) == 28
    prefix = f"https://t.me/{USERNAME}?start="
    for n, (code, link) in enumerate(scanned.items()):
        assert link.startswith(prefix)
        villager = bot.user(1650 + n)
        await villager.send(f"/start {link.removeprefix(prefix)}")  # what Telegram does with it
        await villager.click(KHMER)
        await read_consent(villager)
        await villager.click(AGREE_KM)
        path = places.village_path(code)
        assert path is not None
        _, commune, village = path
        expected = f"តើអ្នករស់នៅភូមិ <b>{village.name_km}</b> ឃុំ{commune.name_km} មែនទេ?"
        assert villager.last_text() == expected, code
