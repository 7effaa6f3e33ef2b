"""`seed_demo` runs the demo steps the apps above residents register in their
AppConfig.ready() (residents.demo_steps), each after the apps it builds on."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from residents.demo_steps import DemoTimeline, demo_steps


def test_each_app_seeds_after_the_apps_below_it():
    assert [(str(step.label), step.seed) for step in demo_steps] == [
        ("志愿服务", "volunteering.demo.seed_demo"),
        ("党员积分", "party.demo.seed_demo"),  # before points reviews the activities
        ("积分", "points.demo.seed_demo"),
        ("积分兑换", "redemption.demo.seed_demo"),
        ("走访与微心愿", "needs.demo.seed_demo"),
        ("街道", "subdistrict.demo.seed_demo"),
    ]
    # Reviews and the counter's rounds post to the same passbooks: their dated actions are
    # replayed together, in date order.
    assert [step.seed for step in demo_steps if step.on_timeline] == [
        "points.demo.seed_demo",
        "redemption.demo.seed_demo",
        "needs.demo.seed_demo",
    ]


@pytest.mark.django_db
def test_the_timeline_replays_actions_by_date_and_time_and_today_s_happen_now():
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    timeline = DemoTimeline()
    seen = []
    timeline.at(today, datetime.time(9), lambda at: seen.append(("today", at)))
    timeline.at(yesterday, datetime.time(16), lambda at: seen.append(("late", at)))
    timeline.at(yesterday, datetime.time(8), lambda at: seen.append(("early", at)))

    timeline.replay()
    timeline.replay()  # each action once

    assert seen == [
        ("early", timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(8)))),
        ("late", timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(16)))),
        ("today", None),
    ]


@pytest.mark.django_db
def test_finish_replays_the_timeline_before_it_writes_the_summary_lines():
    happened = []
    demo_steps.timeline.at(timezone.localdate(), datetime.time(9), happened.append)

    lines = demo_steps.finish(["written", lambda: f"{len(happened)} action"])

    assert lines == ["written", "1 action"]
