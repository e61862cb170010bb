"""Logs are events: a short name plus a fixed set of fields, never personal data or secrets.

(First version; the operations work extends it with JSON output and redaction.)
"""

from __future__ import annotations

import logging

_logger = logging.getLogger("wegwijzer")

# The only fields a log event may carry. Anything else is dropped, so a careless call cannot
# leak a name, an id or a typed text into the logs.
FIELDS = ("flow", "node", "latency_ms", "outcome", "session", "reason", "count", "mode",
          "version", "flows", "problems", "update", "method", "retry_after", "status")


def log_event(event: str, *, level: int = logging.INFO, **fields: object) -> None:
    kept = {key: value for key, value in fields.items() if key in FIELDS}
    _logger.log(level, event, extra={"event": event, "fields": kept})
