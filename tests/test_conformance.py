"""The conformance table (tests/conformance.py): the test double against each real apk binary,
and the server's parsers against the recorded real transcripts (tests/data/transcripts/).

With `JUPYTERLAB_APK_RECORD_TRANSCRIPTS=1`, the real-binary runs write their transcripts there
(the files the parser tests read; review the diff before committing it).
"""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from .conformance import (
    DOUBLE,
    NO_NAMESPACES,
    SCENARIOS,
    Outcome,
    TRANSCRIPTS,
    Sandbox,
    Scenario,
    build_repositories,
    load_transcript,
    reading,
    transcript_path,
)

RECORD = os.environ.get("JUPYTERLAB_APK_RECORD_TRANSCRIPTS") == "1"
SERIES = ("2.12", "2.14", "3.0")


@pytest.fixture(scope="module")
def repositories(tmp_path_factory, keys, other_key) -> dict[str, str]:
    impostor = dataclasses.replace(other_key, key_name=keys.key.key_name)
    return build_repositories(tmp_path_factory.mktemp("conformance"), keys.key, impostor)


def play(command, scenario: Scenario, tmp_path, repositories, keys):
    sandbox = Sandbox(tuple(command), tmp_path, repositories, keys.dir)
    transcript, result = sandbox.play(scenario)
    if scenario.read_only and transcript.returncode == NO_NAMESPACES:
        pytest.skip("no mount namespaces here: cannot make a read-only file system")
    return transcript, result


@pytest.fixture(scope="module")
def double_outcomes(tmp_path_factory, repositories, keys):
    """The double's outcome per scenario, played once for the module: the double is the slow
    one (a Python start per run), and the three binaries compare with the same outcome."""
    played: dict[str, Outcome] = {}

    def get(scenario: Scenario) -> Outcome:
        if scenario.name not in played:
            base = tmp_path_factory.mktemp("double")
            played[scenario.name] = play(DOUBLE, scenario, base, repositories, keys)[1]
        return played[scenario.name]

    return get


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_double_gives_what_the_table_expects(scenario, double_outcomes):
    result = double_outcomes(scenario)
    assert (result.returncode, result.problems) == scenario.expect, result


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_real_apk_agrees_with_the_double(
    real_apk, scenario, tmp_path, repositories, keys, double_outcomes
):
    series = ".".join(map(str, real_apk.series))
    transcript, real = play([real_apk.path], scenario, tmp_path, repositories, keys)
    double = double_outcomes(scenario)
    if RECORD:
        path = transcript_path(series, scenario.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(transcript.to_json(), indent=1) + "\n", encoding="utf-8")
    known = scenario.known.get(series)
    expected = dataclasses.replace(double, **known.fields) if known else double
    assert real == expected, known and known.why


def test_the_table_records_every_real_series():
    for scenario in SCENARIOS:
        assert set(scenario.known) <= set(SERIES), scenario.name
        for series in SERIES:
            assert transcript_path(series, scenario.name).exists(), (series, scenario.name)


@pytest.mark.parametrize(
    ("series", "scenario"),
    [(series, scenario) for series in SERIES for scenario in SCENARIOS],
    ids=lambda value: getattr(value, "name", value),
)
def test_parsers_read_each_recorded_transcript_as_the_double_runs(
    series, scenario, double_outcomes
):
    """The parsers on real output, without the binaries: exit status, problems, plan, kept,
    closing line and progress as the double's run gives them, or the known difference."""
    recorded = reading(load_transcript(series, scenario.name))
    known = scenario.known.get(series)
    double = double_outcomes(scenario)
    expected = dataclasses.replace(double, **known.fields) if known else double
    assert recorded == {name: getattr(expected, name) for name in recorded}


def test_transcripts_directory_holds_only_table_scenarios():
    names = {transcript_path(s, sc.name).name for s in SERIES for sc in SCENARIOS}
    assert {p.name for p in TRANSCRIPTS.rglob("*.json")} <= names
