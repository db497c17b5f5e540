"""The writes of the back office: single catalog entries (`catalog`, the admin) and what a
member is given (`assignments`). The whole-catalog import is `backoffice.catalog_import`."""
