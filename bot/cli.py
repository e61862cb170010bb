"""The `wegwijzer` command: one entry for chatting, checking, running and inspecting the guide.

Each subcommand's work lives in its own module, imported only when used, so `wegwijzer chat`
and `wegwijzer check` start fast and never load Telegram or SQLite.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot import __version__

USAGE_ERROR = 2
FLOWS_HELP = "folder with the guide's YAML files (default: WEGWIJZER_FLOWS_DIR, else flows/)"

# subcommand -> "module:function"; the function takes the parsed arguments and returns an exit code
HANDLERS: dict[str, str] = {
    "chat": "bot.chat:main",
    "check": "bot.authoring.check:main",
    "run": "bot.telegram.app:main",
    "stats": "bot.stats:main",
    "doctor": "bot.doctor:main",
    "graph": "bot.authoring.graph:main",
    "preview": "bot.authoring.preview:main",
    "test": "bot.authoring.conversations:main",
    "diff": "bot.authoring.review:main",
    "routes": "bot.authoring.routes:main",
}


STAFF = "For network staff: messages in Dutch. Problems go to stderr, summaries to stdout."
OPERATOR = "For operators: messages in English. Problems go to stderr, reports to stdout."
AUDIENCE = {"chat": STAFF, "check": STAFF, "test": STAFF, "graph": STAFF, "preview": STAFF, "diff": STAFF,
            "routes": STAFF, "run": OPERATOR, "doctor": OPERATOR, "stats": OPERATOR}
_USAGE = (2, "usage error, or the guide's folder (--flows, WEGWIJZER_FLOWS_DIR) does not exist")
EXIT_CODES: dict[str, tuple[tuple[int, str], ...]] = {
    "chat": ((0, "the input ended"), (1, "the guide has errors (see `wegwijzer check`)"), _USAGE),
    "check": ((0, "the guide is in order (warnings allowed)"), (1, "the guide has errors"), _USAGE),
    "test": ((0, "every conversation test passed"), (1, "a test failed"),
             (2, "usage error, no folder or no test files, the guide or a test file has errors")),
    "graph": ((0, "drawn"), (1, "drawn, but the guide has errors"), _USAGE),
    "preview": ((0, "written"), (1, "written, but the guide has errors"), (2, "usage error, no folder, "
                "or the page cannot be written")),
    "diff": ((0, "compared"), (1, "a side cannot be read"), (2, "usage error or unknown revision")),
    "routes": ((0, "done"), (1, "the guide has errors"), _USAGE),
    "run": ((0, "stopped by a signal"), (1, "the guide has errors, or Telegram refused the token or "
            "could not be reached"), (2, "a setting, the database, the guide's folder or the webhook port "
            "cannot be used (one line each, all at once)")),
    "doctor": ((0, "Ready.: `run` would start (with --live: and the running bot answers)"),
               (1, "a check FAILED"), (2, "usage error")),
    "stats": ((0, "printed"), (1, "there is no database, or it cannot be read"), (2, "usage error")),
}


def _flows_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--flows",
        type=Path,
        default=None,
        metavar="DIR",
        help=FLOWS_HELP,
    )


def _moment(text: str) -> datetime:
    """argparse type for --at: '2026-12-05 23:30', Europe/Amsterdam local time."""
    from bot.flow.availability import parse_moment

    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _at_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=_moment,
        default=None,
        metavar='"YYYY-MM-DD HH:MM"',
        help="show the guide as at this moment (Europe/Amsterdam), e.g. \"2026-12-05 23:30\": "
        "opening hours and the order of help lines follow it",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegwijzer",
        description="Wegwijzer: a confidential guide for Dutch political office holders.",
        epilog="Settings are read from .env, then the environment, then these flags; a later "
               "source wins (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"wegwijzer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the guide in this terminal (no token needed)")
    chat.add_argument("--lang", choices=("nl", "en"), default="nl", help="language to start in")
    _at_option(chat)
    _flows_option(chat)

    check = commands.add_parser("check", help="check the guide's YAML files and name every problem")
    check.add_argument("folder", nargs="?", type=Path, default=None, metavar="FLOWS_DIR",
                       help="the same as --flows DIR")
    _flows_option(check)

    run = commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    _flows_option(run)

    stats = commands.add_parser("stats", help="print the anonymous weekly counts")
    stats.add_argument("--weeks", type=int, default=8, help="how many recent ISO weeks")
    stats.add_argument("--format", choices=("table", "csv", "json"), default="table")

    doctor = commands.add_parser("doctor", help="check settings, flows, database and the Bot API")
    _flows_option(doctor)

    graph = commands.add_parser("graph", help="print the guide as a Mermaid or DOT diagram")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    _flows_option(graph)

    preview = commands.add_parser("preview", help="write one HTML page that previews every node")
    preview.add_argument("-o", "--output", type=Path, default=Path("preview.html"))
    _at_option(preview)
    _flows_option(preview)

    test = commands.add_parser("test", help="run the conversation tests written in YAML")
    test.add_argument("files", nargs="*", type=Path, help="test files (default: flows/tests/)")
    _flows_option(test)

    diff = commands.add_parser("diff", help="summarise what changed between two versions")
    diff.add_argument("old", help="old flows folder, or a git revision")
    diff.add_argument("new", nargs="?", default=None, help="new flows folder, or a git revision")
    _flows_option(diff)

    routes = commands.add_parser("routes", help="show where typed text would go, with scores and the example")
    routes.add_argument("texts", nargs="+", metavar="TEXT", help='text as a user would type it, in quotes')
    _flows_option(routes)
    doctor.add_argument("--live", action="store_true",
                        help="also check that the running bot is alive and answering (its heartbeat)")
    for name, sub in commands.choices.items():
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.epilog = f"{AUDIENCE[name]}\nexit codes:\n" + "\n".join(
            f"  {code}  {meaning}" for code, meaning in EXIT_CODES[name])
    return parser


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    module_name, function_name = HANDLERS[command].split(":")
    module = importlib.import_module(module_name)
    handler: Callable[[argparse.Namespace], int] = getattr(module, function_name)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits 2 on usage errors and 0 on --help
        return int(stop.code or 0)
    if args.command is None:
        parser.print_help()
        return USAGE_ERROR
    folder = getattr(args, "folder", None)  # `check FLOWS_DIR` is `check --flows FLOWS_DIR`
    if folder is not None:
        if args.flows is not None and args.flows != folder:
            parser.error("give the folder once: `wegwijzer check DIR` or `wegwijzer check --flows DIR`")
        args.flows = folder
    try:
        return _handler(args.command)(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
