from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from residents.tenancy import current_membership, memberships_of


class CommunityMiddleware:
    """Sets request.membership and request.community for signed-in staff (None otherwise).

    One query for a signed-in user; none for anonymous visitors.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = memberships_of(request.user)
        membership = current_membership(request, request.memberships)
        request.membership = membership
        request.community = membership.community if membership else None
        return self.get_response(request)
