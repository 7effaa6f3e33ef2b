from django import template
from django.utils.safestring import SafeString, mark_safe

from residents.household_page import household_sections

register = template.Library()


@register.simple_tag(takes_context=True, name="household_sections")
def render_sections(context: template.Context) -> SafeString:
    """The sections other apps registered (residents.household_page), each rendered like an
    include: in the page's context."""
    engine = context.template.engine
    # Each part is a rendered (auto-escaped) template.
    return mark_safe(
        "".join(engine.get_template(s.template).render(context) for s in household_sections)
    )
