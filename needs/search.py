"""Finding a household in residence by passbook number, address or name: a visit and an
activity's households served start from it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from residents import parsing
from residents.models import Household
from residents.selectors import search_households
from residents.tenancy import scoped

FOUND_LIMIT = 20


def find_households(request: HttpRequest) -> tuple[str, str, list[Household]]:
    """The households in residence that `?q=` finds (passbook number, address or name): the
    query, a problem with it, and the first FOUND_LIMIT found. Visits and an activity's
    households served find their household with it."""
    problem, found = "", []
    try:
        query = parsing.search_text(request.GET.get("q", ""))
    except ValidationError as error:
        query, problem = "", error.messages[0]
    if query:
        found = list(
            search_households(
                scoped(request, Household).active().select_related("compound"), query
            )[:FOUND_LIMIT]
        )
    return query, problem, found
