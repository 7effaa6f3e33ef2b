from django import template

from points.selectors import mask_name

register = template.Library()


@register.filter
def masked(name: str) -> str:
    """郑兴友 → 郑*友, for pages others may see over a resident's shoulder."""
    return mask_name(name or "")
