from django import template
from django.utils.safestring import SafeString, mark_safe

from volunteering.activity_page import activity_sections

register = template.Library()


@register.simple_tag(takes_context=True, name="activity_sections")
def render_sections(context: template.Context) -> SafeString:
    """The sections other apps registered (volunteering.activity_page), each rendered like an
    include: in the page's context."""
    engine = context.template.engine
    # Each part is a rendered (auto-escaped) template.
    return mark_safe(
        "".join(engine.get_template(s.template).render(context) for s in activity_sections)
    )
