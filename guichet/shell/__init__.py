"""The shell: the only place that wires every part together. The ``guichet`` command
line root (sub-commands load lazily from the package that owns them) and
``guichet up`` / ``guichet status``. Nothing outside the shell imports it."""

from guichet.shell.cli import cli, main

__all__ = ["cli", "main"]
