"""The login page: plain HTML, French by default (``?lang=en``), usable with a
keyboard alone (labels tied to fields, visible focus, the error announced to screen
readers) and at 200 % zoom (relative sizes, one column that wraps)."""

from __future__ import annotations

from html import escape
from typing import Literal

from agent_softphone.pages import ICON_LINK

Lang = Literal["fr", "en"]

TEXT: dict[Lang, dict[str, str]] = {
    "fr": {
        "title": "Connexion — Guichet",
        "heading": "Connexion",
        "username": "Identifiant",
        "password": "Mot de passe",
        "submit": "Se connecter",
        "other": "English",
        "wrong": "Identifiant ou mot de passe incorrect.",
        "locked": "Trop d'essais infructueux : compte bloqué jusqu'à {until} (UTC). "
        "Réessayez plus tard ou demandez à un administrateur.",
        "expired": "Le formulaire a expiré : veuillez réessayer.",
    },
    "en": {
        "title": "Log in — Guichet",
        "heading": "Log in",
        "username": "Username",
        "password": "Password",
        "submit": "Log in",
        "other": "Français",
        "wrong": "Wrong username or password.",
        "locked": "Too many failed logins: account locked until {until} (UTC). "
        "Try again later or ask an administrator.",
        "expired": "The form expired: please try again.",
    },
}

_STYLE = """
body{font-family:system-ui,sans-serif;font-size:100%;margin:0;padding:1rem;line-height:1.5}
main{max-width:28rem;margin:2rem auto}
label{display:block;margin-top:1rem;font-weight:600}
input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{font-size:1rem;margin-top:1.5rem;padding:.6rem 1.2rem}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.error{color:#991b1b;border:2px solid #991b1b;padding:.5rem;margin-top:1rem}
"""


def login_page(lang: Lang, csrf: str, *, error: str = "", username: str = "") -> str:
    t = TEXT[lang]
    other: Lang = "en" if lang == "fr" else "fr"
    alert = f"<p class=error role=alert id=login-error>{escape(error)}</p>" if error else ""
    described = ' aria-describedby="login-error"' if error else ""
    return (
        f"<!doctype html><html lang={lang}><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"{ICON_LINK}<title>{escape(t['title'])}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{escape(t['heading'])}</h1>{alert}"
        f'<form method=post action="/login">'
        f'<input type=hidden name=csrf value="{escape(csrf)}">'
        f'<input type=hidden name=lang value="{lang}">'
        f"<label for=username>{escape(t['username'])}</label>"
        f"<input id=username name=username autocomplete=username required autofocus"
        f' autocapitalize=none spellcheck=false value="{escape(username)}"{described}>'
        f"<label for=password>{escape(t['password'])}</label>"
        f"<input id=password name=password type=password autocomplete=current-password"
        f" required{described}>"
        f"<button type=submit>{escape(t['submit'])}</button></form>"
        f'<p><a href="/login?lang={other}" lang={other}>{escape(t["other"])}</a></p>'
        "</main></body></html>"
    )
