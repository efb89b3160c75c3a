from pathlib import Path

import pytest
import yaml

from guichet.settings import load_settings
from ivr_flows.errors import FlowError
from ivr_flows.loader import DEFAULT_FLOW, load_flow, load_flow_for, parse_flow
from ivr_flows.model import Flow


def variant(**changes: object) -> str:
    """The demo flow's YAML with top-level keys replaced."""
    data = yaml.safe_load(DEFAULT_FLOW.read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


def error_of(text: str) -> FlowError:
    with pytest.raises(FlowError) as info:
        parse_flow(text, "default.yaml")
    return info.value


def test_the_demo_flow_loads(flow: Flow) -> None:
    assert flow.timezone == "Europe/Paris"
    assert flow.languages.default == "fr"
    assert flow.languages.choice is not None and flow.languages.choice.key == "2"
    assert "english" in flow.languages.choice.words
    assert [str(r) for r in flow.hours.monday] == ["08:30-12:00", "13:30-17:30"]
    assert flow.when_open.queue == "reception"
    assert flow.services["etat-civil"].label["en"] == "Civil registry"
    assert set(flow.services) >= {"etat-civil", "urbanisme", "social", "scolaire", "dechets"}
    for language in ("fr", "en"):
        prompts = flow.prompts[language]
        assert prompts.closed.text and prompts.closed.sounds


def test_settings_choose_the_flow_file(tmp_path: Path) -> None:
    custom = tmp_path / "ville.yaml"
    custom.write_text(variant(name="Mairie de Test"), encoding="utf-8")
    assert load_flow_for(load_settings({}, {"home": str(tmp_path)})).name != "Mairie de Test"
    settings = load_settings({"GUICHET_FLOW_FILE": str(custom)}, {"home": str(tmp_path)})
    assert load_flow_for(settings).name == "Mairie de Test"


def test_bad_time_names_file_and_field() -> None:
    hours = {"monday": ["08:30-12:00", "13:30-25:00"]}
    err = error_of(variant(hours=hours))
    assert str(err) == "default.yaml: hours.monday[1]: '25:00' is not a time"
    assert (err.file, err.path) == ("default.yaml", "hours.monday[1]")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"hours": {"monday": ["12:00-08:00"]}}, "hours.monday[0]: '12:00-08:00' ends before"),
        ({"hours": {"monday": ["08:00-12:00", "11:00-14:00"]}}, "hours.monday: '08:00-12:00'"),
        ({"hours": {"mondy": []}}, "hours.mondy: unknown field"),
        ({"hours": {"monday": ["8h30"]}}, "hours.monday[0]: '8h30' is not a time range"),
        ({"timezone": "Europe/Pariss"}, "timezone: 'Europe/Pariss' is not a time zone"),
        ({"closures": [{"date": "2026-13-01", "reason": "x"}]}, "closures[0].date: "),
        ({"closures": [{"start": "2026-08-10", "reason": "x"}]}, "closures[0]: give 'date'"),
        (
            {"closures": [{"start": "2026-08-10", "end": "2026-08-01", "reason": "x"}]},
            "closures[0]: ends (2026-08-01) before it starts",
        ),
        (
            {"openings": [{"date": "2026-12-24", "hours": ["09:00-12:00"], "reason": "x"}]},
            "opening on 2026-12-24 falls in closure 'Veille de Noël'",
        ),
        ({"languages": {"choice": {"key": "22"}}}, "languages.choice.key: '22' is not a phone"),
        ({"when_open": {"queue": "Accueil Mairie"}}, "when_open.queue: "),
        ({"services": {"etat-civil": {"queue": "x", "label": {"fr": "É"}}}}, "missing label"),
    ],
)
def test_validation_errors_are_clear(changes: dict[str, object], expected: str) -> None:
    message = str(error_of(variant(**changes)))
    assert message.startswith("default.yaml: ")
    assert expected in message


def test_missing_prompt_language() -> None:
    data = yaml.safe_load(DEFAULT_FLOW.read_text(encoding="utf-8"))
    del data["prompts"]["en"]
    err = error_of(yaml.safe_dump(data, allow_unicode=True))
    assert err.path == "prompts" and "missing prompts for en" in str(err)


def test_missing_fields_come_after_wrong_values() -> None:
    err = error_of("hours: {monday: ['25:00-26:00']}\n")
    assert str(err).startswith("default.yaml: hours.monday[0]: '25:00' is not a time; ")
    assert "name: required" in str(err)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    assert "line 2: not valid YAML" in str(error_of("name: x\nhours: {monday: ]\n"))
    assert "expected a mapping" in str(error_of("- a\n- b\n"))
    with pytest.raises(FlowError, match=r"nowhere\.yaml: cannot read"):
        load_flow(tmp_path / "nowhere.yaml")


def with_notice(language: str, notice: object) -> str:
    """The demo flow with ``language``'s privacy notice replaced (None: removed)."""
    data = yaml.safe_load(DEFAULT_FLOW.read_text(encoding="utf-8"))
    if notice is None:
        del data["prompts"][language]["privacy_notice"]
    else:
        data["prompts"][language]["privacy_notice"] = notice
    return yaml.safe_dump(data, allow_unicode=True)


def test_the_demo_flow_tells_callers_about_transcription(flow: Flow) -> None:
    notices = flow.privacy_notices
    assert set(notices) == {"fr", "en"}
    assert "transcrit" in notices["fr"] and "site internet" in notices["fr"]
    assert "transcribed" in notices["en"] and "website" in notices["en"]


def test_a_flow_without_a_privacy_notice_is_refused() -> None:
    err = error_of(with_notice("en", None))
    assert (err.path, str(err)) == (
        "prompts.en.privacy_notice",
        "default.yaml: prompts.en.privacy_notice: required",
    )


def test_a_privacy_notice_says_where_to_learn_more() -> None:
    vague = {"text": "Cet appel est transcrit par un assistant."}
    err = error_of(with_notice("fr", vague))
    assert err.path == "prompts.fr.privacy_notice.text"
    assert "must say where to learn more" in str(err)


@pytest.mark.parametrize(
    "text",
    [
        "Cet appel est transcrit. Détails sur saint-aubin.fr, rubrique vie privée.",
        "Cet appel est transcrit. Voir https://www.saint-aubin.fr/donnees-personnelles",
        "Cet appel est transcrit. Plus d'informations sur le site de la ville.",
    ],
)
def test_a_web_address_or_the_website_will_do(text: str) -> None:
    flow = parse_flow(with_notice("fr", {"text": text}))
    assert flow.privacy_notices["fr"] == text
