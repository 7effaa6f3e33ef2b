"""Where a staff login lands, by role (`/`, residents:home): the page an app above residents
offers as that role's start — the dashboard for admins and staff, the counter for counter
clerks, both redemption's. Each app registers its own in its `AppConfig.ready()`:

    home_pages.register(Role.COUNTER, "redemption:counter")

Apps are made ready in INSTALLED_APPS order, so a higher app's page replaces a lower one's.
A role nobody registered lands on the household register.

`household_pages` is the same for one household: where a signed-in staff member lands who
opens a household's passbook link (its QR code) — the household's page for staff, the
counter's page of that household for counter clerks. Its URL takes the household's pk.

A user with no community membership may still work at another level (the sub-district):
an app registers a check that names that user's page, or None (`register_other`).
"""

from __future__ import annotations

from collections.abc import Callable

FALLBACK = "residents:household_list"
HOUSEHOLD_FALLBACK = "residents:household_detail"


class HomePages:
    def __init__(self, fallback: str = FALLBACK) -> None:
        self._pages: dict[str, str] = {}
        self._fallback = fallback
        self._others: list[Callable[[object], str | None]] = []

    def register(self, role: str, url_name: str) -> None:
        self._pages[role] = url_name

    def for_role(self, role: str) -> str:
        """The URL name a user of `role` lands on."""
        return self._pages.get(role, self._fallback)

    def register_other(self, page_for: Callable[[object], str | None]) -> None:
        """`page_for(user)`: the URL name a user without a membership lands on, or None."""
        self._others.append(page_for)

    def for_other(self, user) -> str | None:
        """Where a signed-in user without a community membership lands, if anywhere."""
        return next((page for check in self._others if (page := check(user))), None)


home_pages = HomePages()
household_pages = HomePages(HOUSEHOLD_FALLBACK)
