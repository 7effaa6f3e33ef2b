from django import template

from needs.models import ActivityServed
from needs.served import served_on

register = template.Library()


@register.simple_tag
def served_households(activity) -> list[ActivityServed]:
    """The households the activity served, for its page's 服务对象 section (one query)."""
    return list(served_on(activity))
