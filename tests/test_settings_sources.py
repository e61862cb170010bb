"""One settings resolution for every command: `.env`, then the environment, then flags."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main as wegwijzer
from bot.settings import SettingsError, gather, load_settings, places_for, resolve

ROOT = Path(__file__).resolve().parents[1]
KEY = "k" * 40
TOKEN = "123456789:AAHsecretPartOfTheTokenThatMustNotLeak01"
SETTING_KEYS = (
    "TELEGRAM_BOT_TOKEN", "WEGWIJZER_SECRET_KEY", "WEGWIJZER_DATABASE", "WEGWIJZER_FLOWS_DIR",
    "TELEGRAM_API_BASE_URL", "LOG_LEVEL", "LOG_FORMAT", "WEGWIJZER_SESSION_HOURS",
    "WEGWIJZER_PURGE_MINUTES", "WEGWIJZER_RELOAD_SECONDS", "WEBHOOK_URL", "WEBHOOK_LISTEN",
    "WEBHOOK_PORT", "WEBHOOK_SECRET_TOKEN",
)
# every command that reads the flows folder, with the arguments it needs besides the folder
COMMANDS = {
    "check": [], "chat": [], "test": [], "graph": [], "preview": [],
    "diff": [str(ROOT / "flows")], "doctor": [],
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and an environment with no Wegwijzer setting in it."""
    monkeypatch.chdir(tmp_path)
    for key in SETTING_KEYS:
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def write_dotenv(folder: Path, **values: str) -> None:
    (folder / ".env").write_text("".join(f"{key}={value}\n" for key, value in values.items()))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_dotenv_flows_folder_is_what_each_staff_command_reads(
    command: str, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """WEGWIJZER_FLOWS_DIR in `.env` is the folder check, chat, test, graph, preview, diff and doctor open."""
    chosen = workdir / "gids-uit-dotenv"  # does not exist, so each command names it in its error
    write_dotenv(workdir, WEGWIJZER_FLOWS_DIR=str(chosen), WEGWIJZER_DATABASE=str(workdir / "db"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert wegwijzer([command, *COMMANDS[command]]) != 0
    captured = capsys.readouterr()
    assert str(chosen) in captured.out + captured.err


def test_the_dotenv_flows_folder_is_what_run_reads(workdir: Path) -> None:
    """`wegwijzer run` looks for the guide in the `.env` folder (and stops: it does not exist)."""
    chosen = workdir / "gids-uit-dotenv"
    write_dotenv(workdir, WEGWIJZER_FLOWS_DIR=str(chosen), WEGWIJZER_SECRET_KEY=KEY,
                 TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_DATABASE=str(workdir / "db"))
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_KEYS}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=workdir, env=clean,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert f"WEGWIJZER_FLOWS_DIR: the guide's folder {chosen} does not exist" in done.stderr
    assert TOKEN not in done.stdout + done.stderr


def test_a_flag_beats_the_environment_which_beats_dotenv(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documented order holds: `.env` fills in, the environment overrides it, `--flows` overrides both."""
    write_dotenv(workdir, WEGWIJZER_FLOWS_DIR="uit-dotenv", WEGWIJZER_DATABASE="db-uit-dotenv")
    assert places_for().flows_dir == Path("uit-dotenv")
    monkeypatch.setenv("WEGWIJZER_FLOWS_DIR", "uit-omgeving")
    assert places_for().flows_dir == Path("uit-omgeving")
    assert places_for().database == Path("db-uit-dotenv")
    assert wegwijzer(["check", "uit-vlag"]) != 0
    assert "(uit-vlag) bestaat niet" in capsys.readouterr().err
    assert wegwijzer(["graph", "--flows", "ook-uit-vlag"]) != 0
    assert "ook-uit-vlag" in capsys.readouterr().err


def test_dotenv_is_read_without_changing_the_process_environment(workdir: Path) -> None:
    """Reading `.env` leaves `os.environ` alone, so one command's `.env` never leaks into another's."""
    write_dotenv(workdir, WEGWIJZER_SECRET_KEY=KEY, LOG_LEVEL="DEBUG")
    assert load_settings().log_level == "DEBUG"
    assert "WEGWIJZER_SECRET_KEY" not in os.environ
    assert "LOG_LEVEL" not in os.environ


def test_staff_commands_need_no_secret_and_ignore_a_broken_bot_setting(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no secret key and a malformed webhook setting, `wegwijzer check` still checks the flows."""
    write_dotenv(workdir, WEBHOOK_URL="http://not-https.example", LOG_LEVEL="LUID")
    assert wegwijzer(["check", str(ROOT / "flows")]) == 0
    assert "De gids is in orde" in capsys.readouterr().out


def test_every_problem_is_reported_at_once_each_naming_its_key() -> None:
    """Three wrong settings give three one-line problems, in one error, none echoing the secret."""
    env = gather(environ={"WEGWIJZER_SECRET_KEY": "shortSecretXyz", "LOG_LEVEL": "LUID",
                          "WEBHOOK_PORT": "negentig"})
    settings, problems = resolve(env, require_token=True)
    assert settings is None
    assert [problem.key for problem in problems] == [
        "WEGWIJZER_SECRET_KEY", "TELEGRAM_BOT_TOKEN", "LOG_LEVEL", "WEBHOOK_PORT"]
    assert all(problem.key in problem.message and "\n" not in problem.message for problem in problems)
    with pytest.raises(SettingsError) as caught:
        load_settings(env, require_token=True)
    assert str(caught.value).splitlines() == [problem.message for problem in problems]
    assert "Xyz" not in str(caught.value)
