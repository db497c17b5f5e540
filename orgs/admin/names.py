"""An organization user named as the console names people (docs/console.md, "Names"): a user
without a uid has its identity's id as its name, so it reads as the person instead."""

from __future__ import annotations

from orgs.models import OrgUser


def user_name(user: OrgUser) -> str:
    """The user's name; the person's label when the name is the identity's id (reads the
    identity: select it with the user)."""
    return str(user.identity) if user.name == str(user.identity_id) else user.name


def user_label(user: OrgUser) -> str:
    """`path/name`, the name as `user_name` gives it."""
    return f"{user.organization.path}/{user_name(user)}"
