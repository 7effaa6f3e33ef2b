from django import template
from django.utils.safestring import SafeString, mark_safe

from points.panels import PassbookPanel, passbook_panels
from points.selectors import mask_name
from residents.models import Household

register = template.Library()


@register.filter
def masked(name: str) -> str:
    """郑兴友 → 郑*友, for pages others may see over a resident's shoulder."""
    return mask_name(name or "")


@register.simple_tag(takes_context=True, name="passbook_panels")
def render_panels(
    context: template.Context, household: Household, place: str = PassbookPanel.BELOW_BALANCE
) -> SafeString:
    """The panels other apps registered (points.panels) for `place`, each rendered from its
    template."""
    request = context.get("request")
    reads = context.get("panel_reads")  # what the page's statement read for the panels
    # Each part is a rendered (auto-escaped) template.
    return mark_safe(
        "".join(
            panel.render(household, request, reads)
            for panel in passbook_panels
            if panel.place == place
        )
    )
