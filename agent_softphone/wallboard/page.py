"""The supervisor's page: the HTML skeleton in the person's language; the script
(``agent_softphone/static/wallboard/``) fills it from the ``/api/wallboard`` socket.
Keyboard-usable (native controls, a skip link, visible focus), readable at 200 %
zoom (relative units, tables that scroll), announced (a polite live region). The
big-screen mode (``?screen=big``) has large type and no controls."""

from __future__ import annotations

from html import escape

from agent_softphone.access import Principal
from agent_softphone.pages import boot_json, head_start, other_lang, words
from agent_softphone.wallboard.strings import STRINGS

__all__ = ["wallboard_page"]

# the supervisor's softphone (supervisor_phone.js): its words, kept with its markup
PHONE_STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "phone": "Mon téléphone (écoute, chuchotement, intervention)",
        "phone_registered": "Connecté",
        "phone_registering": "Connexion…",
        "phone_unregistered": "Non connecté",
        "phone_disconnected": "Déconnecté",
        "phone_failed": "Échec de connexion",
        "phone_in_call": "Supervision en cours",
        "phone_stopped": "Supervision arrêtée",
        "phone_stop": "Arrêter la supervision",
    },
    "en": {
        "phone": "My phone (listen, whisper, barge)",
        "phone_registered": "Connected",
        "phone_registering": "Connecting…",
        "phone_unregistered": "Not connected",
        "phone_disconnected": "Disconnected",
        "phone_failed": "Connection failed",
        "phone_in_call": "Supervising",
        "phone_stopped": "Supervision stopped",
        "phone_stop": "Stop supervising",
    },
}


def wallboard_page(who: Principal, lang: str, *, big: bool, service_level_s: int) -> str:
    s = {**STRINGS[lang], **PHONE_STRINGS[lang]}
    other = other_lang(lang)
    t = words(s)
    boot = boot_json({"lang": lang, "strings": s, "big": big, "role": who.role})
    modes = "".join(
        f'<label class="choice"><input type="radio" name="mode" value="{m}"> {t("mode_" + m)}'
        "</label>"
        for m in ("day", "night", "auto")
    )
    controls = (
        ""
        if big
        else f"""
  <form id="mode-form" class="controls">
    <fieldset><legend>{t("mode")}</legend>{modes}</fieldset>
    <button type="submit">{t("apply")}</button>
  </form>
  <form id="closure-form" class="controls">
    <fieldset><legend>{t("add_closure")}</legend>
    <label for="closure-reason">{t("closure_reason")}</label>
    <input id="closure-reason" name="reason" required maxlength="200" autocomplete="off">
    <label for="closure-from">{t("from")}</label>
    <input id="closure-from" name="from" type="time" required>
    <label for="closure-to">{t("to")}</label>
    <input id="closure-to" name="to" type="time" required>
    <button type="submit">{t("add")}</button></fieldset>
  </form>"""
    )
    # a supervisor's own softphone rings on listen/whisper/barge (an admin has none)
    has_phone = not big and who.role == "supervisor"
    jssip = '<script src="/static/vendor/jssip.js" defer></script>\n' if has_phone else ""
    phone = (
        f"""
<section aria-labelledby="h-phone" class="panel">
  <h2 id="h-phone">{t("phone")}</h2>
  <p role="status"><span id="conn-phone" data-state="unregistered">{
            t("phone_unregistered")
        }</span></p>
  <audio id="supervision-audio" autoplay></audio>
  <button type="button" id="supervision-stop" disabled>{t("phone_stop")}</button>
</section>"""
        if has_phone
        else ""
    )
    name = escape(who.display_name or who.username)
    links = (
        f"· {t('logged_in_as')} <strong>{name}</strong>"
        f' · <a href="/wallboard?lang={other}" lang="{other}">{t("other_lang")}</a>'
        f' · <a href="/wallboard?lang={lang}&amp;screen=big">{t("big_screen")}</a>'
    )
    sl = escape(s["sl_definition"].format(s=service_level_s))
    return f"""{head_start(lang, t("title"))}
<link rel="stylesheet" href="/wallboard/assets/base.css">
<link rel="stylesheet" href="/wallboard/assets/wallboard.css">
<script type="application/json" id="wallboard-boot">{boot}</script>
{jssip}<script type="module" src="/wallboard/assets/wallboard.js"></script>
</head>
<body class="{"big" if big else "normal"}">
<a class="skip" href="#h-queues">{t("skip")}</a>
<header>
  <h1>{t("title")}</h1>
  <p><span id="conn" role="status" data-state="connecting">{t("connecting")}</span>
  {"" if big else links}</p>
</header>
<div id="announce" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>
<main>{phone}
<section aria-labelledby="h-queues" class="panel wide">
  <h2 id="h-queues" tabindex="-1">{t("queues")}</h2>
  <div class="scroll"><table id="queues">
    <thead><tr><th scope="col">{t("queue")}</th><th scope="col">{t("waiting")}</th>
    <th scope="col">{t("longest_wait")}</th><th scope="col">{t("agents_free")}</th>
    <th scope="col">{t("answered_in_sl")}</th><th scope="col">{t("abandoned")}</th>
    <th scope="col">{t("service_level")}</th></tr></thead>
    <tbody></tbody></table></div>
  <p class="definition">{sl}</p>
</section>
<section aria-labelledby="h-opening" class="panel">
  <h2 id="h-opening">{t("opening")}</h2>
  <p id="opening-now" role="status" data-target="">…</p>
  <p id="opening-next"></p>
  <h3>{t("closures")}</h3>
  <ul id="closures"></ul>{controls}
</section>
<section aria-labelledby="h-agents" class="panel">
  <h2 id="h-agents">{t("agents")}</h2>
  <div class="scroll"><table id="agents">
    <thead><tr><th scope="col">{t("agent")}</th><th scope="col">{t("state")}</th>
    <th scope="col">{t("reason")}</th><th scope="col">{t("time_in_state")}</th>
    <th scope="col">{t("current_call")}</th></tr></thead>
    <tbody></tbody></table></div>
</section>
<section aria-labelledby="h-calls" class="panel wide">
  <h2 id="h-calls">{t("calls")}</h2>
  <ul id="calls" class="calls"></ul>
</section>
</main>
<noscript>{t("error")}: JavaScript</noscript>
</body>
</html>
"""
