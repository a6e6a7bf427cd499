"""The lifecycle kernel (billing/services/app_lifecycle.py) against its transition table: every
transition from every state, allowed or refused, explored by a hypothesis state machine."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from billing.models import AuditEvent, PushApp, PushAppStop
from billing.services import app_lifecycle
from tests.factories import PushAppFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

ACTIVE, STOPPED, DESTROYED = PushApp.State.ACTIVE, PushApp.State.STOPPED, PushApp.State.DESTROYED
# (state before, transition) -> state after; a missing pair is refused and changes nothing.
TABLE = {
    (ACTIVE, "stop"): STOPPED,
    (STOPPED, "resume"): ACTIVE,
    (ACTIVE, "destroy"): DESTROYED,
    (STOPPED, "destroy"): DESTROYED,
}
REASONS = [r for r in PushApp.StopReason.values if r]


class AppLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.app = PushAppFactory()
        self.expected = ACTIVE
        self.changes = 0
        self.clock = at("2026-11-01")

    def _apply(self, name, call):
        self.clock += dt.timedelta(hours=1)
        with transaction.atomic():
            app = PushApp.objects.select_for_update().select_related("account").get(pk=self.app.pk)
            changed = call(app)
        after = TABLE.get((self.expected, name))
        assert changed is (after is not None), (self.expected, name)
        if after is not None:
            self.expected = after
            self.changes += 1

    @rule(reason=st.sampled_from(REASONS))
    def stop(self, reason):
        self._apply("stop", lambda app: app_lifecycle.stop(app, reason=reason, at=self.clock))

    @rule()
    def resume(self):
        self._apply("resume", lambda app: app_lifecycle.resume(app, at=self.clock))

    @rule()
    def destroy(self):
        self._apply("destroy", lambda app: app_lifecycle.destroy(app, at=self.clock, note="t"))

    @invariant()
    def matches_the_table(self):
        app = PushApp.objects.get(pk=self.app.pk)
        assert app.state == self.expected
        # A destroyed app keeps when it was stopped, as history; an active one has no stop.
        assert app.state != STOPPED or app.stopped_at is not None
        assert app.state != ACTIVE or (app.stopped_at, app.stop_reason) == (None, "")
        assert (app.destroyed_at is not None) == (app.state == DESTROYED)

    @invariant()
    def one_event_per_change_and_an_open_stop_only_while_stopped(self):
        assert AuditEvent.objects.filter(subject_id=self.app.pk).count() == self.changes
        open_stops = PushAppStop.objects.filter(app=self.app, ended_at__isnull=True).count()
        assert open_stops == (1 if self.expected == STOPPED else 0)


def test_every_transition_from_every_state_follows_the_table():
    run_state_machine_as_test(
        AppLifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
