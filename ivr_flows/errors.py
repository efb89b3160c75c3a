"""The routing layer's exceptions."""

from __future__ import annotations

from guichet.errors import GuichetError


class RoutingError(GuichetError):
    """Base of the routing layer (call flows, day/night mode)."""


class FlowError(RoutingError):
    """A call flow file is invalid. The message names the file and the field path,
    e.g. ``default.yaml: hours.monday[0]: '25:00' is not a time``."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.problem = message
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {message}")


class ModeError(RoutingError):
    """The day/night mode could not be read, stored or mirrored into Asterisk."""
