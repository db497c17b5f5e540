"""The writes of the authorisations context, one module per thing written: the catalog
(namespaces, types, sources), authorisations, grant rights, the mirrors of other contexts, and
the bulk writes of the import. Views, the admin and the commands call these; nothing else writes.
"""
