"""Wegwijzer: a confidential Telegram guide for Dutch political office holders."""

__version__ = "0.1.0"
