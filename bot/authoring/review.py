"""`wegwijzer diff OLD [NEW]`: what changed in the guide, in Dutch, for a four-eyes review.

OLD and NEW are flow folders or git revisions of the flows folder (`wegwijzer diff HEAD~1`
compares that revision with the working tree; `wegwijzer diff main feature` two branches). The
loudest changes come first: a contact's phone number, web address, e-mail or opening hours, then
new and removed contacts, then nodes added, removed, re-pointed and re-worded.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, say, say_error
from bot.authoring.changes import compare
from bot.authoring.test_changes import compare_tests
from bot.authoring.text_diff import Section
from bot.flow.loader import LoadResult, load_guide
from bot.flows_folder import missing_nl


class RevisionError(Exception):
    """OLD or NEW is neither a folder nor a git revision that has the flows folder."""


def render_report(sections: Sequence[Section], old_name: str, new_name: str) -> str:
    lines = [f"Wijzigingen in de gids: {old_name} → {new_name}", ""]
    if not sections:
        lines.append("Geen inhoudelijke verschillen.")
    for section in sections:
        lines.append(f"{section.title} ({len(section.lines)})")
        lines += [f"  {line}" for line in section.lines]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- sides: folders and git revisions --------------------------------------------------------


def _git(arguments: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, check=False)  # noqa: S603,S607 - fixed git arguments, no shell


def _load_revision(revision: str, folder: Path, into: Path) -> tuple[LoadResult, str]:
    """Write the revision's flows/*.yaml into `into` and load them."""
    anchor = folder if folder.is_dir() else Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], anchor)
    if top.returncode != 0:
        raise RevisionError(f"'{revision}' is geen map, en {anchor} ligt niet in een git-repository.")
    root = Path(top.stdout.decode().strip())
    try:
        prefix = folder.resolve().relative_to(root).as_posix()
    except ValueError as error:
        raise RevisionError(f"de map {folder} ligt niet in de repository {root}.") from error
    if _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root).returncode != 0:
        raise RevisionError(f"'{revision}' is geen bestaande map en geen git-revisie "
                            "(zoals HEAD~1, main of een commit-hash).")
    listing = _git(["ls-tree", revision, "--", f"{prefix}/"], root)
    names = []
    for row in listing.stdout.decode().splitlines():
        meta, _, path = row.partition("\t")
        if meta.split()[1:2] == ["blob"] and path.endswith((".yaml", ".yml")):
            names.append(path)
    if not names:
        raise RevisionError(f"revisie '{revision}' heeft geen YAML-bestanden in {prefix}/.")
    for path in names:
        content = _git(["show", f"{revision}:{path}"], root)
        (into / Path(path).name).write_bytes(content.stdout)
    tests = _git(["ls-tree", "--name-only", revision, "--", f"{prefix}/tests/"], root)
    for path in tests.stdout.decode().splitlines():
        if path.endswith((".yaml", ".yml")):  # the conversation tests, for the diff's last section
            (into / "tests").mkdir(exist_ok=True)
            (into / "tests" / Path(path).name).write_bytes(_git(["show", f"{revision}:{path}"], root).stdout)
    return load_guide(into), f"{revision}:{prefix}"


def _load_side(name: str, folder: Path, scratch: Path) -> tuple[LoadResult, str, str, Path]:
    """(result, display name, path prefix as the loader prints it, its folder) for one side."""
    if Path(name).is_dir():
        return load_guide(Path(name)), name, "", Path(name)
    scratch.mkdir()
    result, display = _load_revision(name, folder, scratch)
    return result, display, str(scratch), scratch


def _problem_lines(result: LoadResult, prefix: str, display: str) -> list[str]:
    lines = [str(problem) for problem in result.problems if problem.is_error]
    return [line.replace(prefix, display, 1) if prefix else line for line in lines]


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    if args.new is None and not folder.is_dir():
        say_error(f"wegwijzer diff: {missing_nl(folder)}")
        return USAGE_ERROR
    with tempfile.TemporaryDirectory(prefix="wegwijzer-diff-") as temporary:
        try:
            old, old_name, old_prefix, old_dir = _load_side(args.old, folder, Path(temporary) / "old")
            if args.new is None:
                new, new_name, new_prefix, new_dir = load_guide(folder), f"{folder} (werkmap)", "", folder
            else:
                new, new_name, new_prefix, new_dir = _load_side(args.new, folder, Path(temporary) / "new")
        except RevisionError as error:
            say_error(f"wegwijzer diff: {error}")
            return USAGE_ERROR
        # A version with errors is still compared (the reviewer should see both); one that
        # cannot be read at all cannot.
        for result, display, prefix in ((old, old_name, old_prefix), (new, new_name, new_prefix)):
            errors = _problem_lines(result, prefix, display)
            if errors:
                say(f"Let op: {display} heeft {len(errors)} fout(en); die versie kan niet live:")
                say("\n".join(f"  {line}" for line in errors) + "\n")
        if old.guide is None or new.guide is None:
            say_error("Vergelijken kan pas als beide versies te lezen zijn; herstel de fouten hierboven.")
            return FAILED
        sections = list(compare(old.guide, new.guide))
        tests = compare_tests(old_dir, new_dir)
        if tests is not None:
            sections.append(tests)
        say(render_report(sections, old_name, new_name).rstrip("\n"))
    return OK
