from django.http import HttpRequest

from residents.tenancy import is_admin


def community(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"current_community": None, "current_membership": None}
    return {
        "current_community": membership.community,
        "current_membership": membership,
        "is_community_admin": is_admin(request),
        "all_memberships": request.memberships,
    }
