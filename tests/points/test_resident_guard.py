"""What a resident session may open is marked on each view with `@resident_page`
(points.middleware), which the guard reads off the resolved view: the marked pages are
exactly the passbook's, the open round's rewards and Django's language switch."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from points.middleware import is_resident_page


def _views(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _views(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern.callback


def test_the_pages_marked_for_residents_are_their_passbook_rewards_and_language_switch():
    marked = {name for name, view in _views(get_resolver()) if is_resident_page(view)}

    assert marked == {
        "points:passbook_open",
        "points:passbook",
        "points:passbook_exit",
        "redemption:resident_rewards",
        "redemption:resident_reward_picture",
        "needs:wish_new",
        "set_language",
    }
