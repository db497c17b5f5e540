"""The hierarchies in the admin: the role ladder's up/down buttons and restrictions, a
member's restrictions, "whom may this member act over" and "who is above". Every write
goes through identities.services.roles and identities.services.restrictions (audited as the
API's)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from identities.models import IdentityRole, Member, MemberRestriction, RoleRestriction
from identities.queries import hierarchy
from identities.services.restrictions import member_restrictions_set, role_restrictions_set
from identities.services.roles import identity_role_move

SHOWN = 100  # members listed on a member's page; the total is said


# --- roles ---------------------------------------------------------------------------------------

class RoleForm(forms.ModelForm):
    restricted_roles = forms.ModelMultipleChoiceField(
        IdentityRole.objects.order_by("hierarchy_level"), required=False,
        widget=admin.widgets.FilteredSelectMultiple("restricted roles", is_stacked=False),
        help_text="Members of these roles are not in the hierarchy of this role's members.")

    class Meta:
        model = IdentityRole
        fields = ("key", "name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["restricted_roles"] = list(
                RoleRestriction.objects.filter(role=self.instance)
                .values_list("restricted_role_id", flat=True))


class RoleLadderMixin:
    """For the role ModelAdmin: the ladder in rank order with a button up and down on each
    row, the role's restrictions on its page and the hierarchy they leave."""

    form = RoleForm

    def get_urls(self):
        move = self.admin_site.admin_view(require_POST(self.move_view))
        return [path("<int:role_id>/move/<str:direction>/", move,
                     name="identities_identityrole_move"), *super().get_urls()]

    def move_view(self, request, role_id: int, direction: str):
        role = IdentityRole.objects.filter(pk=role_id).first()
        if role is None or direction not in ("up", "down"):
            raise PermissionDenied  # nothing to move
        if not self.has_change_permission(request, role):
            raise PermissionDenied
        identity_role_move(role=role, up=direction == "up")
        messages.success(request, f"Moved {role} {direction}.")
        return HttpResponseRedirect(reverse("admin:identities_identityrole_changelist"))

    @admin.display(description="move")
    def rank_buttons(self, role: IdentityRole) -> str:
        buttons = format_html_join(" ", (
            '<button type="submit" formmethod="post" formaction="{}" title="Move {}">{}'
            "</button>"), (
            (reverse("admin:identities_identityrole_move", args=[role.pk, d]), d, label)
            for d, label in (("up", "▲"), ("down", "▼"))))
        return buttons

    @admin.display(description="hierarchy (roles below, minus the restricted)")
    def role_hierarchy(self, role: IdentityRole) -> str:
        if role.pk is None:
            return "—"
        rows = [(r.hierarchy_level, r.name) for r in hierarchy.role_hierarchy(role)]
        return format_html_join(", ", "{}. {}", rows) or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role_restrictions_set(role=form.instance, restricted_role_ids=[
            r.pk for r in form.cleaned_data.get("restricted_roles", [])])


# --- members -------------------------------------------------------------------------------------

class MemberForm(forms.ModelForm):
    restricted_member_ids = forms.CharField(
        required=False, label="Restricted members",
        help_text="Member ids of the same tenant, separated by commas: these members are not "
                  "in this member's hierarchy.")

    class Meta:
        model = Member
        fields = ("tenant", "identity", "identity_role", "is_enabled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["restricted_member_ids"] = ", ".join(str(i) for i in sorted(
                MemberRestriction.objects.filter(member=self.instance)
                .values_list("restricted_member_id", flat=True)))

    def clean_restricted_member_ids(self) -> list:
        """The identities of the members named (the service's vocabulary), each a member of
        this member's tenant."""
        text = self.cleaned_data["restricted_member_ids"]
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError("Member ids are whole numbers, separated by commas.")
        wanted = {int(p) for p in parts}
        tenant = self.instance.tenant_id or getattr(self.cleaned_data.get("tenant"), "pk", None)
        found = dict(Member.objects.filter(pk__in=wanted, tenant_id=tenant)
                     .values_list("pk", "identity_id"))
        if wanted - set(found):
            missing = ", ".join(str(i) for i in sorted(wanted - set(found)))
            raise forms.ValidationError(f"No member of this tenant has the id(s) {missing}.")
        return list(found.values())


def _member_list(rows, total: int) -> str:
    links = format_html_join(
        ", ", '<a href="{}">{}</a> ({})',
        ((reverse("admin:identities_member_change", args=[m.pk]), m.identity.username,
          m.identity_role.name if m.identity_role else "no role") for m in rows))
    if not total:
        return "nobody"
    more = f" … and {total - SHOWN:,} more" if total > SHOWN else ""
    return format_html("{} members: {}{}", f"{total:,}", links, more)


class MemberHierarchyMixin:
    """For the member ModelAdmin: its restrictions, whom it may act over, who is above."""

    form = MemberForm

    @admin.display(description="acts over (its hierarchy)")
    def acts_over(self, member: Member) -> str:
        if member.pk is None:
            return "—"
        rows = hierarchy.hierarchy_items(member).select_related("identity", "identity_role")
        return _member_list(rows.order_by("identity_role__hierarchy_level", "id")[:SHOWN],
                            rows.count())

    @admin.display(description="above (superiors)")
    def above(self, member: Member) -> str:
        if member.pk is None:
            return "—"
        rows = hierarchy.superiors(member).select_related("identity", "identity_role")
        return _member_list(rows.order_by("identity_role__hierarchy_level", "id")[:SHOWN],
                            rows.count())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        member_restrictions_set(member=form.instance, restricted_identity_ids=form.cleaned_data
                                .get("restricted_member_ids", []))
