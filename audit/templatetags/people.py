"""`{% load people %}{{ value|person_name:names }}`: the value with the people whose ids it
holds named (audit.people). `names` is the page's names, resolved once by the view
(`names_in` over every text the page shows); without it, one query for this value."""

from django import template

from audit.people import name_people, names_in

register = template.Library()


@register.filter
def person_name(value, names=None) -> str:
    if names is None:
        names = names_in([value])
    return name_people(value, names)
