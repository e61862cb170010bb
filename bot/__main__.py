"""`python -m bot` does what the `wegwijzer` command does."""

from bot.cli import main

raise SystemExit(main())
