"""The SCIM surface's reads, each with its query count.

    tokens   the token a bearer secret names (one query)
    users    a user of a token's subtree by id; a page of them by filter and order (two)
"""
