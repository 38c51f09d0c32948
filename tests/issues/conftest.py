"""Fixtures of the workflow tests: a few more people than the shared cast, and `act`, which
takes an action through the service layer or through the HTTP endpoint of SPEC §9."""

import pytest
from rest_framework.test import APIClient

from issues.models import Role
from tests.conftest import make_user

from .workflow_cases import act_http, act_service, http_endpoint_exists


@pytest.fixture
def people(cast):
    """The cast plus the second holders of a role that some rules need."""
    c = cast
    c.head_a2 = make_user("head_a2", unit=c.unit_a, role=Role.UNIT_HEAD)
    c.admin_a2 = make_user("admin_a2", unit=c.unit_a, role=Role.UNIT_ADMIN)
    c.leader2 = make_user("leader2", unit=c.county, role=Role.LEADER)
    c.rev_b = make_user("rev_b", unit=c.unit_b, role=Role.OFFICE_REVIEWER)
    c.oa_a = make_user("oa_a", unit=c.unit_a, role=Role.OFFICE_ADMIN)
    c.head_school = make_user("head_school", unit=c.school_a, role=Role.UNIT_HEAD)
    c.admin_school = make_user("admin_school", unit=c.school_a, role=Role.UNIT_ADMIN)
    # One person holding two roles: unit head of 教育局 and office reviewer of the county.
    c.dual = make_user("dual", unit=c.unit_a, role=Role.UNIT_HEAD)
    c.dual.memberships.create(unit=c.county, role=Role.OFFICE_REVIEWER)
    return c


@pytest.fixture(scope="session")
def _shared_client():
    # One client for the whole run: each new client loads the middleware again, and WhiteNoise
    # then re-scans every static file (about 0.25 s a time on the CI machine).
    return APIClient()


@pytest.fixture
def client_as(_shared_client):
    """client_as(user) → the shared APIClient, authenticated as `user` for the next requests."""

    def authenticate(user):
        _shared_client.force_authenticate(user)
        return _shared_client

    yield authenticate
    _shared_client.force_authenticate(None)


@pytest.fixture
def act(client_as):
    """act(user, problem, action, data) → Outcome(status, code, errors, body).

    Through POST /api/v1/problems/{id}/actions/{action}/, the public contract, which also
    exercises the service layer beneath it (the rule tests, test_review_chains.py and its siblings, call that directly).
    """
    if not http_endpoint_exists():  # the API is optional for the domain's own tests
        return act_service
    return lambda user, problem, action, data=None: act_http(client_as, user, problem, action, data)
