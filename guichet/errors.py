"""The app shell's exception tree. Each layer keeps its own small tree; these are the roots."""


class GuichetError(Exception):
    """Base of every error Guichet raises on purpose."""


class ConfigError(GuichetError):
    """The settings or a configuration file are invalid."""


class StoreError(GuichetError):
    """The store could not be opened or migrated."""
