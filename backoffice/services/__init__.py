"""The writes of the back office: single catalog entries (`catalog`, the admin) and what a
member is given (`assignments`).
The whole catalog's upsert (`catalog.catalog_upsert`) is the import's (backoffice.importer)."""
