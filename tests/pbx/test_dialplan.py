import datetime as dt
import re
from pathlib import Path

from guichet.secrets_store import load_or_create_secrets
from guichet.settings import load_settings
from ivr_flows.model import Flow
from pbx.asterisk_config import RenderContext, render_all, sip_usernames
from pbx.dialplan import dialplan_flow


def test_hours_become_gotoiftime_checks_in_precedence_order(flow: Flow) -> None:
    settings = load_settings({}, {"agi_port": 4999})
    view = dialplan_flow(flow, settings, today=dt.date(2026, 11, 25))
    assert view.agi_url == "agi://127.0.0.1:4999/route"
    assert view.queue == "reception"
    specs = [(c.spec, c.target) for c in view.checks]
    # Asterisk includes the end minute: 12:00 (excluded) becomes 11:59
    assert ("08:30-11:59,mon,*,*,Europe/Paris", "open") in specs
    assert ("13:30-18:59,thu,*,*,Europe/Paris", "open") in specs
    assert not any(",sun," in spec for spec, _ in specs)
    # dated checks come before the weekly hours
    first_weekly = specs.index(("08:30-11:59,mon,*,*,Europe/Paris", "open"))
    weekly = specs[first_weekly:]
    assert all(re.fullmatch(r"[\d:-]+,[a-z]{3},\*,\*,Europe/Paris", s) for s, _ in weekly)
    dated = specs[:first_weekly]
    assert ("*,*,24,dec,Europe/Paris", "closed") in dated  # closure
    assert ("*,*,29,mar,Europe/Paris", "closed") in dated  # Easter Monday 2027
    assert ("*,*,6,apr,Europe/Paris", "closed") not in dated  # 2026's is over
    # the election Sunday: open in its hours, closed the rest of that day
    i = dated.index(("08:00-17:59,*,14,mar,Europe/Paris", "open"))
    assert dated[i + 1] == ("*,*,14,mar,Europe/Paris", "closed")


def test_only_the_next_365_days_are_rendered(flow: Flow) -> None:
    view = dialplan_flow(flow, load_settings({}), today=dt.date(2026, 12, 26))
    comments = [c.comment for c in view.checks if c.target == "closed"]
    assert comments[0].startswith("2026-12-28")
    assert comments[-1].startswith("2027-12-25")  # not 2027-12-28: a year is enough


def test_controller_down_dialplan_is_rendered_from_the_flow(tmp_path: Path) -> None:
    settings = load_settings({}, {"home": str(tmp_path), "agi_port": 4601})
    secrets = load_or_create_secrets(tmp_path, sip_usernames(settings))
    files = render_all(settings, secrets, RenderContext("/var/lib/guichet/x", "/mods"))
    text = files["extensions.conf"]
    section = text[text.index("[controller-down]") : text.index("[agents]")]
    assert "Stasis(${GUICHET_APP})" in text
    assert "${DB(guichet/mode)}" in section
    assert "AGI(agi://127.0.0.1:4601/route)" in section
    assert "GotoIfTime(08:30-11:59,mon,*,*,Europe/Paris?open,1)" in section
    assert "Queue(reception,,,,300)" in section
    assert "Playback(im-sorry&please-try-call-later)" in section
    assert "Playback(all-circuits-busy-now&please-try-call-later)" in section
    assert "{{" not in section and "{%" not in section
