"""The only form in which a Telegram user id is ever kept: a keyed HMAC-SHA256.

An unkeyed hash of a Telegram id is reversed by hashing every possible id; the key, kept in the
environment and never next to the data, is what makes the pseudonym safe.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret_key: bytes, user_id: int) -> str:
    return hmac.new(secret_key, str(user_id).encode(), hashlib.sha256).hexdigest()
