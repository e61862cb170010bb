"""Where the guide's YAML files are, so that staff never need to know where they are standing.

The settings name a folder (`--flows`, `WEGWIJZER_FLOWS_DIR`, else `flows`). A relative name that
is not found here is looked for from the folders above, so `wegwijzer check flows/` works in the
project folder, inside `flows/` and inside `flows/tests/`. When nothing was configured and there is
no such folder at all, the guide shipped with the installation is used: the checkout's own
`flows/` for a development install, `<prefix>/share/wegwijzer/flows` for a wheel (`pip install .`).
"""

from __future__ import annotations

import argparse
import os
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from bot.settings import flags_from, gather, places_from

SHIPPED = Path("share") / "wegwijzer" / "flows"
DEFAULT = Path("flows")


def has_guide_files(folder: Path) -> bool:
    """A folder that holds at least one .yaml/.yml file (where a guide could be)."""
    try:
        return folder.is_dir() and any(
            entry.suffix in {".yaml", ".yml"} and entry.is_file() for entry in folder.iterdir()
        )
    except OSError:
        return False


def shipped_guide() -> Path | None:
    """The guide that came with this installation, or None when there is none."""
    checkout = Path(__file__).resolve().parent.parent / "flows"
    candidates = [checkout]
    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:  # a platform without a user scheme
            continue
        candidates.append(Path(data) / SHIPPED)
    return next((candidate for candidate in candidates if has_guide_files(candidate)), None)


def find_flows(folder: Path, *, configured: bool, cwd: Path | None = None) -> Path:
    """The folder to read the guide from.

    `folder` itself when it exists; for a relative name not found here, the same name seen from
    the nearest folder above (shown relative to where the command runs); when nothing was
    `configured` and nothing is found, the shipped guide. Otherwise `folder` unchanged, so the
    caller reports it missing under the name that was given.
    """
    if folder.is_dir():
        return folder
    here = (cwd or Path.cwd()).resolve()
    if not folder.is_absolute():
        for above in here.parents:
            candidate = above / folder
            if has_guide_files(candidate):
                return Path(os.path.relpath(candidate, here))
    if not configured:
        shipped = shipped_guide()
        if shipped is not None:
            return shipped
    return folder


def configured(env: Mapping[str, str]) -> bool:
    return bool(env.get("WEGWIJZER_FLOWS_DIR", "").strip())


def for_staff(args: argparse.Namespace | None) -> Path:
    """The guide folder for a staff command: the settings' folder, found from wherever they stand."""
    env = gather(flags_from(args))
    return find_flows(places_from(env).flows_dir, configured=configured(env))


def for_bot(env: Mapping[str, str], folder: Path) -> Path:
    """The guide folder for `run` and `doctor`: exactly the configured one; unset, `flows/` here,
    else the shipped guide (an operator's setting is never second-guessed)."""
    if configured(env) or folder.is_dir():
        return folder
    return shipped_guide() or folder


def missing_nl(folder: Path) -> str:
    """The one Dutch sentence every staff command gives for a guide folder that does not exist."""
    return (f"de map met de gids ({folder}) bestaat niet. Geef de map met --flows MAP, of zet "
            "WEGWIJZER_FLOWS_DIR in .env; in de projectmap of in flows/ zelf is dat niet nodig.")


def missing_en(folder: Path) -> str:
    """The same for the operator commands (`run`, `doctor`), in English."""
    return (f"WEGWIJZER_FLOWS_DIR: the guide's folder {folder} does not exist; set WEGWIJZER_FLOWS_DIR "
            "(in .env or the environment) to the folder with the guide's YAML files, or pass --flows DIR.")
