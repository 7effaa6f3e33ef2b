"""The panels other apps add to the resident's passbook page (/passbook/), after the
balance card: redemption's open-round card today, a later app's own tomorrow.

Points never imports the apps above it, so they register here in their
`AppConfig.ready()`:

    passbook_panels.register(
        PassbookPanel(name="redemption.round", order=10, template="…", context=round_card)
    )

A panel's `context` is given the household of the resident session and returns the
template's context; it runs once per page, so what it queries is the panel's whole cost
(the passbook's query budget in tests/points/test_resident_passbook.py counts it). A
context that returns `{}` (or a template that renders nothing) leaves no trace on the page.

A panel that reads rows of the household can give that read as `read`: one SQL
expression (a scalar subquery, e.g. a json_agg) which the page's own summary statement
(points/passbook_page.py) evaluates, so the panel costs no query of its own. It may name
the household's row as `h` (residents_household) and must not contain `%`. Its value
(JSON as Python) is then given to `context` as `read=`; rendered elsewhere (without the
page's statement) the context is called without it and reads for itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from residents.models import Household
from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class PassbookPanel:
    # Where on the page: above everything (a notice to every resident), or after the
    # balance card (the usual place).
    TOP = "top"
    BELOW_BALANCE = "below_balance"

    name: str
    order: int  # smallest first
    template: str
    context: Callable[..., Mapping[str, Any]]
    place: str = BELOW_BALANCE
    read: str | None = None  # SQL, evaluated in the page's summary statement (above)

    def render(
        self,
        household: Household,
        request: HttpRequest | None = None,
        reads: Mapping[str, Any] | None = None,
    ) -> str:
        """`reads`: what the page's statement read for the panels, by panel name."""
        if self.read is not None and reads is not None and self.name in reads:
            context = self.context(household, read=reads[self.name])
        else:
            context = self.context(household)
        return render_to_string(self.template, dict(context), request=request)


passbook_panels: OrderedRegistry[PassbookPanel] = OrderedRegistry()
