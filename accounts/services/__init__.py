"""Every write of the accounts context (the Ainua Accounts and Users APIs, the import, the
admin): set-based, so a map of 1,000 entries costs the statements a map of one does; each
call one transaction under one audit context, unchanged entries writing nothing.

Invariants kept here: a connector's users of an account exist only while the connector has a
source bound to it (a connector that loses its last source there loses its users list); an
account exists while it has a source (it is removed, with a tombstone, with the last); each
resolved user binding has its mirror authorisation (`authorisations.services.mirror`).

    common    the summary of a call, the Ainua lock, the mirror's namespace and type
    sources   PATCH accounts: external accounts bound, merged, re-bound, removed
    bindings  PATCH accounts/{account_id}/users: users lists, pending or bound, mirrored
    users     PATCH users: external users merged by email; identities deleted elsewhere
"""

from accounts.services.bindings import (
    NewBinding,
    account_of_connector,
    account_users_set,
    binding_states,
    bindings_apply,
    links_of,
    users_remove,
)
from accounts.services.common import (
    LOCK,
    NAMESPACE,
    TYPE_CODE,
    Summary,
    account_party,
    keys_q,
    mirror,
)
from accounts.services.sources import (
    SourceItem,
    account_delete,
    accounts_patch,
    accounts_rename,
    sources_apply,
    sources_of,
)
from accounts.services.users import (
    bindings_follow,
    identities_unbind,
    users_link,
    users_patch,
)

__all__ = [
    "LOCK", "NAMESPACE", "TYPE_CODE", "NewBinding", "SourceItem", "Summary", "account_delete",
    "account_of_connector", "account_party", "account_users_set", "accounts_patch",
    "accounts_rename", "binding_states", "bindings_apply", "bindings_follow",
    "identities_unbind", "keys_q", "links_of", "mirror", "sources_apply", "sources_of",
    "users_link", "users_patch", "users_remove",
]
