"""The sections other apps add to a household's page (/households/<id>/), after its members:
points' passbook ledger and QR code, volunteering's activity history today, a later app's
visits or wishes tomorrow.

Residents never names the apps above it; each registers its sections in its
`AppConfig.ready()`:

    household_sections.register(
        HouseholdSection(name="points.ledger", order=10, template="points/household/…")
    )

A section's template is rendered in the page's own context (`household`, `request`,
`csrf_token`, the viewer's role …), like an `{% include %}`; what it shows beyond that it
loads in place (htmx) from its own app's URLs, so the page's queries stay the register's.
"""

from __future__ import annotations

from dataclasses import dataclass

from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class HouseholdSection:
    name: str
    order: int  # smallest first
    template: str


household_sections: OrderedRegistry[HouseholdSection] = OrderedRegistry()
