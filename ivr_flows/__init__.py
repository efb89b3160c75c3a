"""Call flows as data: opening hours, holidays, language choice, menus."""
