"""Guichet: an open-source, telephony-first AI reception desk for city halls."""

__version__ = "0.1.0"
