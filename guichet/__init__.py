"""Guichet: an open-source, telephony-first AI reception desk for city halls.

This package is the core every other package may use: the layered settings, the
error roots, task ownership and logging (here); the event bus
(:mod:`guichet.bus`), the typed events (:mod:`guichet.events`), the store
(:mod:`guichet.store`) and the case file (:mod:`guichet.casefile`), each with its
own ``__all__``, are imported from their modules so that importing the core stays
cheap. The core imports no other Guichet package; :mod:`guichet.shell` (the CLI
root, ``guichet up``) is the one place that wires them all together.
"""

from guichet.errors import ConfigError, GuichetError, StoreError
from guichet.logs import mask_number, setup_logging
from guichet.settings import Settings, load_settings
from guichet.tasks import TaskOwner, cancel_and_wait, until_first_ends

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "GuichetError",
    "Settings",
    "StoreError",
    "TaskOwner",
    "__version__",
    "cancel_and_wait",
    "load_settings",
    "mask_number",
    "setup_logging",
    "until_first_ends",
]
