"""The sections other apps add to an activity's page (/activities/<id>/), after its
participants: a later app's households served, say.

Volunteering never names the apps above it; each registers its sections in its
`AppConfig.ready()`:

    activity_sections.register(
        ActivitySection(name="…", order=10, template="…/includes/_activity_section.html")
    )

A section's template is rendered in the page's own context (`activity`, `request`,
`csrf_token` …), like an `{% include %}` (residents.household_page is the same for a
household's page).
"""

from __future__ import annotations

from dataclasses import dataclass

from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class ActivitySection:
    name: str
    order: int  # smallest first
    template: str


activity_sections: OrderedRegistry[ActivitySection] = OrderedRegistry()
