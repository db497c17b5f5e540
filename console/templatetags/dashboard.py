from django import template

from console.charts import stacked_bars
from console.dashboard import figures

register = template.Library()


@register.inclusion_tag("admin/console/dashboard.html", takes_context=True)
def dashboard(context):
    """The index page's figures, for an operator who may view the change log."""
    request = context["request"]
    if not request.user.has_perm("audit.view_changerecord"):
        return {"shown": False}
    found = figures()
    return {"shown": True, "figures": found, "request": request,
            "chart": stacked_bars(found.days, found.changes)}
