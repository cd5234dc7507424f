"""Settings: defaults, the environment, and errors that name the key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import DEFAULTS, PROJECT_DIR, ConfigError, load_config

SECRET = "secret-should-never-be-printed"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_defaults() -> None:
    config = load_config(None, environ={})
    assert config.token == ""
    assert config.mode == "polling"
    assert config.database == PROJECT_DIR / "data" / "bot.sqlite3"
    assert config.persistence_interval == timedelta(seconds=2)
    assert config.districts == ("0906", "0901")
    assert config.default_language == "km"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'telegram: {token: "from-file", base_url: "http://x/bot"}\n')
    env = {"TELEGRAM_BOT_TOKEN": "from-env", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot/"}
    config = load_config(path, environ=env)
    assert config.token == "from-env"
    assert config.base_url == "http://127.0.0.1:8081/bot"


def test_a_relative_database_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'storage: {database: "db/x.sqlite3"}\n'), environ={})
    assert config.database == tmp_path / "db" / "x.sqlite3"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("telegram: {tokn: x}\n", "telegram.tokn: unknown setting"),
        ("databse: x\n", "databse: unknown setting"),
        ("telegram: {mode: push}\n", "telegram.mode: must be one of polling, webhook"),
        ("telegram: {mode: webhook}\n", "telegram.webhook: webhook mode needs both"),
        ("telegram: {webhook: {port: 70000}}\n", "telegram.webhook.port"),
        ("telegram: {token: 12345}\n", "telegram.token: must be text"),
        ("storage: {persistence_interval: soon}\n", "storage.persistence_interval"),
        ("places: {districts: [0101]}\n", "places.districts"),  # YAML reads 65
        ("places: {districts: []}\n", "places.districts"),
        ("places: {scope: everywhere}\n", "places.scope"),
        ("bot: {default_language: fr}\n", "bot.default_language"),
        ("bot: {timezone: Mars/Base}\n", "bot.timezone"),
        ('staff: {user_ids: ["@dara"]}\n', "staff.user_ids"),
        ("storage: 5\n", "storage: must be a section"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("telegram: {token: [unclosed\n", "cannot read it as YAML"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("(", r"\(")):
        load_config(write(tmp_path, text), environ={})


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml", environ={}, must_exist=True)


def test_every_setting_is_documented_in_the_example() -> None:
    example = yaml.safe_load((PROJECT_DIR / "config.example.yaml").read_text(encoding="utf-8"))

    def shape(tree: Any) -> Any:
        return {k: shape(v) if isinstance(v, dict) else None for k, v in tree.items()}

    assert shape(example) == shape(DEFAULTS)
    assert example == DEFAULTS  # and the example shows the real defaults
    load_config(PROJECT_DIR / "config.example.yaml", environ={})


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "bot.py"), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_run_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_config_exits_2_naming_the_key_without_the_token(tmp_path: Path) -> None:
    write(tmp_path, f'telegram: {{token: "{SECRET}", mode: push}}\n')
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "telegram.mode" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_check_validates_everything_from_any_directory(tmp_path: Path) -> None:
    result = run_cli("check", env={"TELEGRAM_BOT_TOKEN": SECRET}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Villages: 28" in result.stdout
    assert SECRET not in result.stdout + result.stderr
