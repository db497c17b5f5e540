"""Every write of the SCIM surface: one function per use case, one transaction each, audited.

    tokens   a connection's token: create (shown once), revoke, its last use
    users    a SCIM User's create, replace, PATCH and delete, through the orgs services
"""
