"""Where a staff login lands, by role (`/`, residents:home): the page an app above residents
offers as that role's start — the dashboard for admins and staff, the counter for counter
clerks, both redemption's. Each app registers its own in its `AppConfig.ready()`:

    home_pages.register(Role.COUNTER, "redemption:counter")

Apps are made ready in INSTALLED_APPS order, so a higher app's page replaces a lower one's.
A role nobody registered lands on the household register.

`household_pages` is the same for one household: where a signed-in staff member lands who
opens a household's passbook link (its QR code) — the household's page for staff, the
counter's page of that household for counter clerks. Its URL takes the household's pk.
"""

from __future__ import annotations

FALLBACK = "residents:household_list"
HOUSEHOLD_FALLBACK = "residents:household_detail"


class HomePages:
    def __init__(self, fallback: str = FALLBACK) -> None:
        self._pages: dict[str, str] = {}
        self._fallback = fallback

    def register(self, role: str, url_name: str) -> None:
        self._pages[role] = url_name

    def for_role(self, role: str) -> str:
        """The URL name a user of `role` lands on."""
        return self._pages.get(role, self._fallback)


home_pages = HomePages()
household_pages = HomePages(HOUSEHOLD_FALLBACK)
