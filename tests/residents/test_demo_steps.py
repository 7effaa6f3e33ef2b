"""`seed_demo` runs the demo steps the apps above residents register in their
AppConfig.ready() (residents.demo_steps), each after the apps it builds on."""

from __future__ import annotations

from residents.demo_steps import demo_steps


def test_each_app_seeds_after_the_apps_below_it():
    assert [(str(step.label), step.seed) for step in demo_steps] == [
        ("志愿服务", "volunteering.demo.seed_demo"),
        ("党员积分", "party.demo.seed_demo"),  # before points reviews the activities
        ("积分", "points.demo.seed_demo"),
        ("积分兑换", "redemption.demo.seed_demo"),
        ("街道", "subdistrict.demo.seed_demo"),
    ]
