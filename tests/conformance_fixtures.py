"""The conformance table's fixtures (registered in conftest.py): its repositories, and the
double's outcome per scenario. Shared by the modules that play the table."""

from __future__ import annotations

import dataclasses

import pytest

from .conformance import DOUBLE, NO_NAMESPACES, Outcome, Sandbox, Scenario, build_repositories


@pytest.fixture(scope="module")
def table_repositories(tmp_path_factory, keys, other_key) -> dict[str, str]:
    """The table's repositories, the forged one signed by an impostor under the trusted name."""
    impostor = dataclasses.replace(other_key, key_name=keys.key.key_name)
    return build_repositories(tmp_path_factory.mktemp("conformance"), keys.key, impostor)


def play(command, scenario: Scenario, tmp_path, repositories, keys):
    sandbox = Sandbox(tuple(command), tmp_path, repositories, keys.dir)
    transcript, result = sandbox.play(scenario)
    if scenario.read_only and transcript.returncode == NO_NAMESPACES:
        pytest.skip("no mount namespaces here: cannot make a read-only file system")
    return transcript, result


@pytest.fixture(scope="module")
def double_outcomes(tmp_path_factory, table_repositories, keys):
    """The double's outcome per scenario, played once for the module: the double is the slow
    one (a Python start per run), and the three binaries compare with the same outcome."""
    played: dict[str, Outcome] = {}

    def get(scenario: Scenario) -> Outcome:
        if scenario.name not in played:
            base = tmp_path_factory.mktemp("double")
            played[scenario.name] = play(DOUBLE, scenario, base, table_repositories, keys)[1]
        return played[scenario.name]

    return get
