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

from .conformance import SCENARIOS, TRANSCRIPTS, load_transcript, reading, transcript_path
from .conformance_fixtures import play

RECORD = os.environ.get("JUPYTERLAB_APK_RECORD_TRANSCRIPTS") == "1"
SERIES = ("2.12", "2.14", "3.0")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_double_gives_what_the_table_expects(scenario, double_outcomes):
    result = double_outcomes(scenario)
    assert (result.returncode, result.problems) == scenario.expect, result


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_real_apk_agrees_with_the_double(
    real_apk, scenario, tmp_path, table_repositories, keys, double_outcomes
):
    series = ".".join(map(str, real_apk.series))
    transcript, real = play([real_apk.path], scenario, tmp_path, table_repositories, keys)
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
