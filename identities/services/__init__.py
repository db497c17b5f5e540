"""Every write of identities, one module a use: each function runs in a transaction and leaves
its change records (docs/identities.md).

- `people`: persons and identities (create, save, password, delete; the DFS create and
  update by flags)
- `clients`: API clients (service accounts with their OAuth2 applications), tokens, groups
- `tenants`: tenants and their members (the one `member_upsert`, member sync)
- `roles`: the identity-role catalog and its rank moves; `restrictions`: the hierarchy
  restrictions
- `pictures`: profile pictures; `catalogs`: salutations, providers, bank branches
- `external`: the identities connectors name (Ainua users); `holders`, `hooks`: what holds a
  person's identity and what higher contexts do before identities go
- `bulk`: many identities at once, for the imports
"""
