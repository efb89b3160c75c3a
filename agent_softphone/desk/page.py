"""The agent's page: the HTML skeleton, in the person's language; the scripts
(``agent_softphone/static/desk/``) fill it in. Usable with the keyboard alone
(native controls, a skip link, visible focus), readable at 200 % zoom (one column
below a width, relative units), and announced: ringing and state changes go to
``aria-live`` regions."""

from __future__ import annotations

from html import escape

from agent_softphone.access import Principal
from agent_softphone.desk.strings import STRINGS
from agent_softphone.pages import boot_json, head_start, other_lang, words

__all__ = ["desk_page"]


def desk_page(who: Principal, lang: str) -> str:
    s = STRINGS[lang]
    other = other_lang(lang)
    t = words(s)
    # the script's words and who is signed in
    boot = boot_json({"lang": lang, "strings": s, "username": who.username, "role": who.role})
    states = "".join(
        f'<label class="choice"><input type="radio" name="state" value="{v}"> {t(v)}</label>'
        for v in ("available", "paused", "wrapup", "logged_out")
    )
    keys = "".join(
        f'<button type="button" class="key" data-dtmf="{k}">{k}</button>' for k in "123456789*0#"
    )
    return f"""{head_start(lang, t("title"))}
<link rel="stylesheet" href="/desk/assets/base.css">
<link rel="stylesheet" href="/desk/assets/desk.css">
<script type="application/json" id="desk-boot">{boot}</script>
<script src="/static/vendor/jssip.js" defer></script>
<script type="module" src="/desk/assets/desk.js"></script>
<script type="module" src="/desk/assets/chat.js"></script>
</head>
<body>
<a class="skip" href="#call">{t("skip")}</a>
<header>
  <h1>{t("title")}</h1>
  <p>{t("logged_in_as")} <strong id="me">{escape(who.display_name or who.username)}</strong>
  <a href="/desk?lang={other}" lang="{other}">{t("other_lang")}</a>
  <button type="button" id="logout">{t("logout")}</button></p>
</header>
<div id="announce" class="visually-hidden" aria-live="assertive" aria-atomic="true"></div>
<main>
<section aria-labelledby="h-conn" class="panel">
  <h2 id="h-conn">{t("connection")}</h2>
  <dl role="status" aria-live="polite">
    <dt>{t("server")}</dt><dd id="conn-server" data-state="connecting">…</dd>
    <dt>{t("phone")}</dt><dd id="conn-phone" data-state="unregistered">{t("unregistered")}</dd>
  </dl>
</section>
<section aria-labelledby="h-state" class="panel">
  <h2 id="h-state">{t("state")}</h2>
  <p role="status" aria-live="polite"><span>{t("state_now")}</span>
    <strong id="state-now" data-state="logged_out">{t("logged_out")}</strong></p>
  <form id="state-form">
    <fieldset><legend>{t("state")}</legend>{states}</fieldset>
    <label for="pause-reason">{t("reason")}</label>
    <input id="pause-reason" name="reason" maxlength="120" autocomplete="off">
    <button type="submit">{t("apply")}</button>
  </form>
  <p id="wrapup-box" hidden>{t("wrapup_left")} <span id="wrapup-left">0</span>{t("seconds")}
    <button type="button" id="wrapup-end">{t("end_now")}</button></p>
  <p id="state-error" class="error" role="alert"></p>
</section>
<section id="call" aria-labelledby="h-call" class="panel wide" tabindex="-1">
  <h2 id="h-call">{t("call")}</h2>
  <p id="call-status" data-state="idle">{t("no_call")}</p>
  <div id="case-box" hidden>
    <h3>{t("case")}</h3>
    <dl id="case-fields"></dl>
  </div>
  <div class="buttons">
    <button type="button" id="answer" disabled>{t("answer")}</button>
    <button type="button" id="hangup" disabled>{t("hangup")}</button>
    <button type="button" id="hold" disabled aria-pressed="false">{t("hold")}</button>
    <button type="button" id="mute" disabled aria-pressed="false">{t("mute")}</button>
  </div>
  <details id="keypad"><summary>{t("keypad")}</summary><div class="keys">{keys}</div></details>
  <fieldset id="transfer"><legend>{t("transfer")}</legend>
    <label for="transfer-target">{t("target")}</label>
    <select id="transfer-target"></select>
    <button type="button" id="transfer-blind" disabled>{t("blind")}</button>
    <button type="button" id="transfer-consult" disabled>{t("attended")}</button>
    <button type="button" id="transfer-complete" hidden>{t("complete")}</button>
    <button type="button" id="transfer-cancel" hidden>{t("cancel")}</button>
  </fieldset>
  <audio id="remote-audio" autoplay></audio>
</section>
<section aria-labelledby="h-transcript" class="panel wide">
  <h2 id="h-transcript">{t("transcript")}</h2>
  <ol id="transcript" aria-live="polite" aria-relevant="additions"></ol>
</section>
<section aria-labelledby="h-suggest" class="panel wide">
  <h2 id="h-suggest">{t("suggestions")}</h2>
  <p id="no-reliable" hidden>{t("no_reliable")}</p>
  <div id="proposed-box" hidden><h3>{t("proposed")}</h3><p id="proposed"></p></div>
  <ol id="cards" aria-live="polite"></ol>
  <form id="search-form" role="search">
    <label for="search-q">{t("search")}</label>
    <input id="search-q" type="search" autocomplete="off">
    <button type="submit">{t("search_go")}</button>
  </form>
</section>
<section aria-labelledby="h-wrapup" class="panel wide">
  <h2 id="h-wrapup">{t("wrapup_title")}</h2>
  <form id="wrapup-form">
    <label for="wrapup-code">{t("code")}</label>
    <input id="wrapup-code" autocomplete="off" maxlength="40">
    <button type="button" id="wu-first-level" disabled>{t("first_level")}</button>
    <fieldset><legend>{t("escalate")}</legend>
      <label for="wu-service">{t("services")}</label><select id="wu-service"></select>
      <label for="wu-summary">{t("summary")}</label><textarea id="wu-summary" rows="4"></textarea>
      <button type="button" id="wu-draft" disabled>{t("draft")}</button>
      <button type="button" id="wu-escalate" disabled>{t("escalate")}</button>
    </fieldset>
    <fieldset><legend>{t("callback")}</legend>
      <label for="wu-number">{t("number")}</label><input id="wu-number" type="tel">
      <label for="wu-due">{t("due")}</label><input id="wu-due" type="datetime-local">
      <button type="button" id="wu-callback" disabled>{t("callback")}</button>
    </fieldset>
    <button type="button" id="wu-transferred" disabled>{t("transferred")}</button>
    <p id="wrapup-result" role="status" aria-live="polite"></p>
  </form>
</section>
<section aria-labelledby="h-devices" class="panel">
  <h2 id="h-devices">{t("devices")}</h2>
  <label for="mic">{t("microphone")}</label><select id="mic"></select>
  <label for="speaker">{t("speaker")}</label><select id="speaker"></select>
</section>
<section aria-labelledby="h-keys" class="panel">
  <h2 id="h-keys">{t("shortcuts")}</h2>
  <ul><li>{t("sc_answer")}</li><li>{t("sc_hangup")}</li><li>{t("sc_mute")}</li></ul>
</section>
</main>
</body>
</html>
"""
