"""A problem in the guide: where it is, how bad, and one sentence on how to fix it.

Shared by the YAML reader, the section readers and every check; plain data, no YAML library.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flow.model import Location


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the guide, said so that the person editing the YAML can fix it."""

    location: Location
    severity: str  # "error" or "warning"
    path: str  # dotted place in the YAML: nodes.online.options[2].goto
    message: str
    cause: str = ""  # the file that cannot be read (or is empty) this problem probably follows from

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.location}: {self.severity}: {where}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def problem(where: Location, path: str, message: str, *, warning: bool = False) -> Problem:
    """An error (or, with `warning`, a warning) at `where` and the dotted `path`."""
    return Problem(where, "warning" if warning else "error", path, message)
