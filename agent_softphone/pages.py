"""What the web app's pages share: their language, the start of their HTML head,
their words in the person's language, the JSON their scripts start from, and how
their scripts and stylesheets are served."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from fastapi import HTTPException, status
from fastapi.responses import FileResponse

from agent_softphone.access import Principal

__all__ = [
    "ASSET_TYPES",
    "BASE_CSS",
    "COMMON_ASSETS",
    "ICON_LINK",
    "asset_file",
    "boot_json",
    "head_start",
    "other_lang",
    "page_lang",
    "words",
]

ASSET_TYPES = {".js": "text/javascript", ".css": "text/css"}
# the sheet every page links first, served among each page's own assets (so behind
# the same login as the page)
COMMON_ASSETS = Path(__file__).resolve().parent / "static" / "common"
BASE_CSS = "base.css"
# the tab's icon, inline: without one the browser asks for /favicon.ico, a 404 in the
# console of every page (and a route every persona could reach, for a decoration)
ICON_LINK = (
    '<link rel="icon" href="data:image/svg+xml,'
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
    "<rect width='16' height='16' rx='3' fill='%231d4ed8'/>"
    "<path d='M4 4h8a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H8l-3 2.5V10H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z'"
    " fill='%23fff'/></svg>\">"
)


def page_lang(asked: str | None, who: Principal) -> str:
    """The language asked in the address, else the person's own (French by default)."""
    return asked or ("en" if who.language == "en" else "fr")


def other_lang(lang: str) -> str:
    """The language a page's switch link offers."""
    return "en" if lang == "fr" else "fr"


def words(strings: Mapping[str, str]) -> Callable[[str], str]:
    """``t(key)``: the page's word for ``key``, escaped for HTML."""

    def t(key: str) -> str:
        return escape(strings[key])

    return t


def boot_json(data: Mapping[str, Any]) -> str:
    """What the page's script needs, as JSON for a non-executed script element:
    "<" escaped so that no text inside can close the element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def head_start(lang: str, title: str) -> str:
    """A page from its doctype to its ``<title>`` (``title`` already escaped); the
    page's own stylesheets and scripts follow, then ``</head>``."""
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{ICON_LINK}
<title>{title}</title>"""


def asset_file(folder: Path, name: str, types: Mapping[str, str] = ASSET_TYPES) -> FileResponse:
    """A page's script or stylesheet: a file of ``folder`` (or the shared
    :data:`BASE_CSS`) by its plain name, of one of ``types`` (suffix to media type);
    no path climbs out; 404 for anything else. Revalidated on every load, so that a
    new version is never served stale."""
    path = (COMMON_ASSETS if name == BASE_CSS else folder) / name
    kind = types.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-cache"})
