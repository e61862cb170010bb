"""Fakes we own for tests: a Bot API server on 127.0.0.1 and the harness that runs the bot on it."""
