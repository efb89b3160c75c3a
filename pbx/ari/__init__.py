"""Asterisk REST Interface: typed events, the REST client, the events websocket."""
