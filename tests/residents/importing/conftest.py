"""The register the roster tests import into: compounds, building groups and household
types of the community."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.residents.importing.roster import make_register


@pytest.fixture
def register(community) -> SimpleNamespace:
    return make_register(community)
