"""`{% icon "books" %}`: one of the platform's icons (web/icons.py) from the cached sprite, drawn in the
text's colour. Decorative: the text beside it says what it means, so screen readers skip it."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def icon(name: str, css_class: str = "icon"):
    return format_html('<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#i-{}"></use></svg>',
                       css_class, static("web/icons.svg"), name)
