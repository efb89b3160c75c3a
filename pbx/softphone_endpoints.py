"""The accounts' WebRTC endpoints follow the account list while Asterisk runs.

``guichet users add|disable|reset-password`` changes the store from another process
than ``guichet up``; after each change the shell calls :func:`refresh_endpoints`,
which renders the configuration again and has Asterisk reload what changed, over
ARI (``PUT /ari/asterisk/modules/{module}``): a new account can register at once, a
disabled one no longer can, a reset password is the only one that works. Calls in
progress are not touched (a reload does not end channels).
"""

from __future__ import annotations

import logging

import httpx

from guichet.errors import GuichetError
from guichet.settings import Settings
from pbx.asterisk_process import ChrootAsterisk, make_runtime
from pbx.credentials import credentials

log = logging.getLogger(__name__)

# the files an account change can alter, and the module that reads each
RELOADED = {"pjsip.conf": "res_pjsip.so", "extensions.conf": "pbx_config.so"}


class EndpointRefreshError(GuichetError):
    """Asterisk did not take the new account list."""


def _current(runtime: ChrootAsterisk) -> dict[str, str]:
    etc = runtime.inst_dir / "etc"
    texts = {}
    for name in RELOADED:
        try:
            texts[name] = (etc / name).read_text(encoding="utf-8")
        except OSError:
            texts[name] = ""
    return texts


def refresh_endpoints(settings: Settings) -> str:
    """Render the accounts' endpoints again and reload them in the running Asterisk;
    returns one line saying what was done (for the CLI)."""
    runtime = make_runtime(settings)
    if not runtime.status().running:
        return "Asterisk is not running: its next start renders the accounts"
    if isinstance(runtime, ChrootAsterisk):
        before = _current(runtime)
        runtime.render()
        after = _current(runtime)
        modules = [RELOADED[name] for name in RELOADED if before[name] != after[name]]
    else:
        # an Asterisk run by someone else reads files rendered elsewhere
        # (`guichet asterisk render`): reload what it has
        modules = [RELOADED["pjsip.conf"]]
    if not modules:
        return "SIP endpoints unchanged"
    creds = credentials(settings)
    for module in modules:
        try:
            reply = httpx.put(
                f"{settings.ari_base_url}/ari/asterisk/modules/{module}",
                auth=(creds.ari_user, creds.ari_password),
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise EndpointRefreshError(f"Asterisk unreachable over ARI: {exc}") from exc
        if reply.status_code != 204:
            raise EndpointRefreshError(
                f"Asterisk refused to reload {module}: HTTP {reply.status_code} {reply.text[:200]}"
            )
        log.info("reloaded %s for the accounts' endpoints", module)
    return f"SIP endpoints reloaded ({', '.join(modules)})"
