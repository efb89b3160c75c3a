"""Call audio between Asterisk and Python."""
