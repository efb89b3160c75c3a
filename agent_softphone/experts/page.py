"""The expert's page: the HTML skeleton in the person's language; the scripts
(``agent_softphone/static/experts/``, with the desk's phone module) fill it in.
Keyboard alone (native buttons, a skip link, visible focus), 200 % zoom (one column,
relative units), announcements in ``aria-live`` regions."""

from __future__ import annotations

from html import escape

from agent_softphone.access import Principal
from agent_softphone.experts.strings import STRINGS
from agent_softphone.pages import boot_json, head_start, other_lang, words

__all__ = ["experts_page"]


def experts_page(who: Principal, lang: str) -> str:
    s = STRINGS[lang]
    other = other_lang(lang)
    t = words(s)
    # "desk-boot": the desk's i18n module reads it (shared with the desk page)
    boot = boot_json({"lang": lang, "strings": s, "username": who.username, "role": who.role})
    desk = (
        f'<p>{t("desk_link")} <a href="/desk?lang={lang}">{t("desk_open")}</a> {t("one_page")}</p>'
        if who.role == "expert"
        else ""
    )
    phone = "on" if who.role in ("expert", "supervisor") else "off"  # an admin has none
    return f"""{head_start(lang, t("title"))}
<link rel="stylesheet" href="/experts/assets/base.css">
<link rel="stylesheet" href="/experts/assets/desk.css">
<link rel="stylesheet" href="/experts/assets/experts.css">
<script type="application/json" id="desk-boot">{boot}</script>
<script src="/static/vendor/jssip.js" defer></script>
<script type="module" src="/experts/assets/experts.js"></script>
</head>
<body data-phone="{phone}">
<a class="skip" href="#h-callbacks">{t("skip")}</a>
<header>
  <h1>{t("title")}</h1>
  <p>{t("logged_in_as")} <strong id="me">{escape(who.display_name or who.username)}</strong>
  <a href="/experts?lang={other}" lang="{other}">{t("other_lang")}</a>
  <button type="button" id="logout">{t("logout")}</button></p>
  {desk}
</header>
<div id="announce" class="visually-hidden" aria-live="assertive" aria-atomic="true"></div>
<main>
<section aria-labelledby="h-phone" class="panel">
  <h2 id="h-phone">{t("phone")}</h2>
  <p role="status" aria-live="polite"><span id="conn-phone" data-state="unregistered">{
        t("unregistered")
    }</span></p>
  <p id="call-status" role="status" aria-live="polite" data-state="idle"></p>
  <button type="button" id="hangup" disabled>{t("hangup")}</button>
  <audio id="remote-audio" autoplay></audio>
</section>
<section aria-labelledby="h-callbacks" class="panel wide">
  <h2 id="h-callbacks" tabindex="-1">{t("callbacks")}</h2>
  <button type="button" id="refresh">{t("refresh")}</button>
  <p id="result" role="status" aria-live="polite"></p>
  <p id="empty" hidden>{t("none")}</p>
  <ol id="callbacks" class="callbacks"></ol>
</section>
</main>
</body>
</html>
"""
