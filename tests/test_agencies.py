"""The verified agency list: importing the staff's CSV, and /agency as villagers meet it.

Every agency here is made up for the test ("Test Agency …", licences "TEST-…"): the real list
comes only from staff who checked it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.config import load_config
from domain.clock import ManualClock
from operations.agency_import import (
    AgencyImportError,
    import_agencies,
    import_agencies_command,
    read_agencies_csv,
)
from storage.store import Store
from tests.support.chat import START, Bot, Person
from tests.test_onboarding import onboard_in_khmer

HEADER = "name,licence,phone,destinations,last_verified"
GOOD = f"""{HEADER}
Test Agency Mekong,TEST-001,+855 12 000 000,TH;MY,2026-11-01
ទីភ្នាក់ងារសាកល្បង,TEST-002,,KR,2026-10-15
"""
NOT_LISTED_KM = "មិនមានក្នុងបញ្ជីក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណរបស់យើងទេ"


def write_csv(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "agencies.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(AgencyImportError) as caught:
        read_agencies_csv(path)
    return caught.value.problems


def agency(name: str, licence: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": name,
        "licence": licence,
        "phone": None,
        "destinations": ("TH",),
        "last_verified": date(2026, 11, 1),
    }
    row.update(extra)
    return row


# -- the CSV file ------------------------------------------------------------------------------


def test_a_good_file_is_read_with_dates_and_country_codes(tmp_path: Path) -> None:
    rows = read_agencies_csv(write_csv(tmp_path, GOOD))
    assert rows == [
        {
            "name": "Test Agency Mekong",
            "licence": "TEST-001",
            "phone": "+855 12 000 000",
            "destinations": ("TH", "MY"),
            "last_verified": date(2026, 11, 1),
        },
        {
            "name": "ទីភ្នាក់ងារសាកល្បង",
            "licence": "TEST-002",
            "phone": None,
            "destinations": ("KR",),
            "last_verified": date(2026, 10, 15),
        },
    ]


def test_a_byte_order_mark_and_windows_line_ends_are_fine(tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD.replace("\n", "\r\n"), bom=True)
    rows = read_agencies_csv(path)
    assert [row["licence"] for row in rows] == ["TEST-001", "TEST-002"]


def test_columns_may_come_in_any_order_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    text = "licence, name ,last_verified,destinations,phone\nTEST-9,Test Agency,2026-01-02,TH;,\n\n"
    (row,) = read_agencies_csv(write_csv(tmp_path, text))
    assert (row["name"], row["destinations"], row["phone"]) == ("Test Agency", ("TH",), None)


def test_every_bad_row_is_named_by_line_and_column_at_once(tmp_path: Path) -> None:
    text = f"""{HEADER}
Test Agency A,TEST-1,012 345 678,TH,2026-11-01
,TEST-2,,TH,2026-11-01
Test Agency C,,,TH,2026-11-01
Test Agency D,TEST-4,call me,TH,2026-11-01
Test Agency E,TEST-5,,th;MYS,2026-11-01
Test Agency F,TEST-6,,,2026-11-01
Test Agency G,TEST-7,,TH,01/11/2026
Test Agency H,TEST-8,,TH,2026-02-30
Test Agency I,TEST-9,,TH
"""
    assert problems_of(write_csv(tmp_path, text)) == [
        "line 3, column name: empty",
        "line 4, column licence: empty",
        "line 5, column phone: 'call me' is not a phone number (digits, spaces, + - ( ) /)",
        "line 6, column destinations: 'th' is not a two-letter country code in capitals, e.g. TH",
        "line 6, column destinations: 'MYS' is not a two-letter country code in capitals, e.g. TH",
        "line 7, column destinations: empty (at least one country code, e.g. TH)",
        "line 8, column last_verified: '01/11/2026' is not a date YYYY-MM-DD",
        "line 9, column last_verified: '2026-02-30' is not a real day",
        "line 10: 4 values, expected 5",
    ]


def test_a_licence_may_appear_once(tmp_path: Path) -> None:
    text = f"""{HEADER}
Test Agency A,TEST-1,,TH,2026-11-01
Test Agency B,TEST-2,,TH,2026-11-01
Test Agency A again,test-1,,MY,2026-11-02
"""
    assert problems_of(write_csv(tmp_path, text)) == [
        "line 4, column licence: 'test-1' is also on line 2"
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("name,licence,phone,destinations", "line 1: missing column(s) last_verified"),
        (f"{HEADER},notes", "line 1: unknown column(s) 'notes'"),
        (f"{HEADER},name", "line 1: column(s) given twice: name"),
    ],
)
def test_a_wrong_header_is_refused(tmp_path: Path, header: str, expected: str) -> None:
    problems = problems_of(write_csv(tmp_path, f"{header}\n"))
    assert problems == [expected, f"line 1: the header must be {HEADER}"]


def test_an_empty_list_or_file_is_not_imported(tmp_path: Path) -> None:
    assert problems_of(write_csv(tmp_path, f"{HEADER}\n")) == [
        "line 2: no agencies below the header (an empty list is not imported)"
    ]
    assert problems_of(write_csv(tmp_path, ""))[0].startswith("line 1: the file is empty")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "agencies.csv"
    path.write_bytes(
        f"{HEADER}\nTest Agency,TEST-1,,TH,2026-11-01\n".encode() + b"Caf\xe9,T,,TH,x\n"
    )
    assert problems_of(path) == ["line 3: the file is not UTF-8 text (save it as 'CSV UTF-8')"]


def test_the_example_file_is_just_the_header(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "content" / "agencies.example.csv"
    assert example.read_text(encoding="utf-8") == f"{HEADER}\n"


# -- importing into the database -------------------------------------------------------------


async def test_an_import_replaces_the_whole_list(bot: Bot, tmp_path: Path) -> None:
    assert bot.services is not None
    await bot.store.replace_agencies([agency("Test Agency Old", "TEST-OLD")])
    config = bot.services.config
    assert await import_agencies(config, write_csv(tmp_path, GOOD), bot.clock) == 2
    names = [a.name for a in await bot.store.agencies()]
    assert names == ["Test Agency Mekong", "ទីភ្នាក់ងារសាកល្បង"]

    # a bad file changes nothing
    bad = write_csv(tmp_path, f"{HEADER}\nTest Agency,,,TH,2026-11-01\n")
    with pytest.raises(AgencyImportError):
        await import_agencies(config, bad, bot.clock)
    assert [a.name for a in await bot.store.agencies()] == names


def test_the_command_prints_problems_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = replace(load_config(None, environ={}), database=tmp_path / "db.sqlite3")
    bad = write_csv(tmp_path, f"{HEADER}\n,TEST-1,,TH,2026-11-01\nTest Agency,TEST-2,,T,x\n")
    assert import_agencies_command(config, bad) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{bad}: line 2, column name: empty",
        f"{bad}: line 3, column destinations: 'T' is not a two-letter country code in capitals,"
        " e.g. TH",
        f"{bad}: line 3, column last_verified: 'x' is not a date YYYY-MM-DD",
    ]
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was opened for a bad file

    assert import_agencies_command(config, write_csv(tmp_path, GOOD)) == 0
    assert "Imported 2 agencies" in capsys.readouterr().out


async def test_find_by_part_of_the_name_or_the_exact_licence(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3", ManualClock(START))
    await store.replace_agencies(
        [agency("Test Agency Mekong", "TEST-001"), agency("ទីភ្នាក់ងារសាកល្បង", "TEST-002")]
    )
    assert [a.licence for a in await store.find_agencies("  agency   MEKONG ")] == ["TEST-001"]
    assert [a.licence for a in await store.find_agencies("test-002")] == ["TEST-002"]
    assert await store.find_agencies("TEST-00") == []  # licences match whole, names in part
    assert [a.licence for a in await store.find_agencies("សាក\u200bល្បង")] == ["TEST-002"]
    assert await store.find_agencies("   ") == []
    found = await store.agency((await store.agencies())[0].agency_id)
    assert found is not None and found.destinations == ("TH",)
    assert await store.agency(999) is None
    await store.close()


# -- /agency in the chat ---------------------------------------------------------------------


async def with_list(bot: Bot) -> None:
    await bot.store.replace_agencies(
        [
            agency(
                "Test Agency Mekong",
                "TEST-001",
                phone="+855 12 000 000",
                destinations=("TH", "MY"),
            ),
            agency(
                "ទីភ្នាក់ងារសាកល្បង",
                "TEST-002",
                destinations=("KR", "ZZ"),
                last_verified=date(2026, 10, 15),
            ),
        ]
    )


async def test_a_villager_finds_an_agency_by_part_of_its_name_in_khmer(bot: Bot) -> None:
    villager = bot.user(8101)
    await onboard_in_khmer(villager)
    await with_list(bot)
    await villager.send("/agency mekong")
    text = villager.last_text()
    assert text.startswith(
        "<b>មានក្នុងបញ្ជីក្រុមហ៊ុនជ្រើសរើសពលករមានអាជ្ញាប័ណ្ណ ដែលបុគ្គលិកគម្រោងបានពិនិត្យ</b> (១)\n\n"
        "<b>Test Agency Mekong</b>\n"
        "លេខអាជ្ញាប័ណ្ណ៖ TEST-001\n"
        "📞 +855 12 000 000\n"
        "បញ្ជូនពលករទៅ៖ ថៃ និង\u200bម៉ាឡេស៊ី\n"
        "បានពិនិត្យថ្ងៃទី ១ វិច្ឆិកា ២០២៦"
    )
    assert "សូមទូរស័ព្ទទៅក្រុមហ៊ុននោះដោយខ្លួនឯង" in text  # a real name can be borrowed
    assert villager.buttons() == ["🏠 ម៉ឺនុយដើម"]


async def test_a_khmer_name_and_a_licence_number_are_found_in_english(bot: Bot) -> None:
    person = bot.user(8102)
    await person.send("/language")
    await person.click("English")
    await with_list(bot)
    await person.send("/agency សាកល្បង")
    text = person.last_text()
    assert "<b>ទីភ្នាក់ងារសាកល្បង</b>\nLicence: TEST-002\n" in text
    assert "Sends workers to: South Korea and ZZ\n" in text  # an unknown code stays a code
    assert "Checked on October 15, 2026" in text
    assert "📞" not in text  # no phone on the list: no phone line
    await person.send("/agency test-001")
    assert "<b>Test Agency Mekong</b>" in person.last_text()
    assert "Sends workers to: Thailand and Malaysia" in person.last_text()


async def test_a_name_not_on_the_list_proves_nothing_and_says_what_to_do(bot: Bot) -> None:
    villager = bot.user(8103)
    await onboard_in_khmer(villager)
    await with_list(bot)
    await villager.send("/agency Golden Job <Co>")
    text = villager.last_text()
    assert text.startswith(f"«Golden Job &lt;Co&gt;» {NOT_LISTED_KM}")
    assert "នេះមិនមែនមានន័យថា ក្រុមហ៊ុននោះក្លែងក្លាយទេ" in text  # not proof of fake…
    assert "ហើយក៏មិនមែនមានន័យថា ក្រុមហ៊ុននោះពិតដែរ" in text  # …nor of real
    assert "សូមសួរមេភូមិ ឬបុគ្គលិកគម្រោងសិន" in text
    assert "មុនពេលមានកូតា" in text and "វីសាទេសចរណ៍" in text  # the warning signs
    assert villager.buttons() == ["🚩 ប្រាប់ពីមេខ្យល់គួរឱ្យសង្ស័យ", "🏠 ម៉ឺនុយដើម"]
    await villager.click("🚩 ប្រាប់ពីមេខ្យល់គួរឱ្យសង្ស័យ")
    assert "<b>១/៣ តើគាត់ជានរណា?</b>" in villager.last_text()


async def test_an_empty_list_says_staff_have_not_imported_it_yet(bot: Bot) -> None:
    person = bot.user(8104)
    await person.send("/language")
    await person.click("English")
    await person.send("/agency Test Agency Mekong")
    text = person.last_text()
    assert text.startswith("The programme staff have not put the list of licensed agencies")
    assert "not on our list" not in text
    assert "ask the village chief or the programme staff" in text


async def test_html_in_a_name_is_shown_as_text(bot: Bot) -> None:
    villager = bot.user(8105)
    await bot.store.replace_agencies([agency("Test <b>Agency</b> & Sons", "TEST-<1>")])
    await villager.send("/agency agency")
    text = villager.last_text()
    assert "<b>Test &lt;b&gt;Agency&lt;/b&gt; &amp; Sons</b>" in text
    assert "TEST-&lt;1&gt;" in text
    # and the fake Telegram accepted it as valid HTML (the fixture checks no refusals)


async def test_at_most_ten_are_shown(bot: Bot) -> None:
    villager = bot.user(8106)
    await bot.store.replace_agencies(
        [agency(f"Test Agency {n:02}", f"TEST-{n:02}") for n in range(1, 14)]
    )
    await villager.send("/agency test agency")
    text = villager.last_text()
    assert "(១៣)" in text
    assert len(re.findall(r"<b>Test Agency \d\d</b>", text)) == 10
    assert "Test Agency 11" not in text  # by name: 01-10 are shown
    assert "…និង ៣ ទៀត។" in text


@pytest.mark.parametrize("typed", ["/agency", "/agency   "])
async def test_agency_alone_asks_for_a_name(bot: Bot, typed: str) -> None:
    villager = bot.user(8107)
    await villager.send(typed)
    assert villager.last_text().startswith("<b>ពិនិត្យក្រុមហ៊ុនជ្រើសរើសពលករ</b>")
    assert "/agency Example" in villager.last_text()


async def test_a_pasted_essay_is_refused_without_being_echoed(bot: Bot) -> None:
    villager: Person = bot.user(8108)
    await with_list(bot)
    await villager.send("/agency " + "ក" * 5000)
    assert villager.last_text() == "ឈ្មោះនេះវែងពេក។ សូមវាយយ៉ាងច្រើន ១០០ តួអក្សរ បន្ទាប់ពី /agency ។"
