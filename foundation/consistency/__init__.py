"""Reads from a PostgreSQL streaming replica without stale answers to a client's own writes.

On when DATABASE_REPLICA_URL is set (a `replica` database beside `default`, the primary).
The rules (docs/deployment.md, "Read-your-writes"):

- writes, every read inside a transaction, every read of a request that wrote, and every
  read of a request whose method may write (POST, PUT, PATCH, DELETE, unless its view says
  `reads_only`) go to the primary;
- a successful write answers `Tessera-Consistency`, an opaque token of the primary's WAL
  position after the commit (`tokens`); a read that sends it back is served by the replica
  only if the replica has replayed past it (SpiceDB's ZedTokens);
- a read without the token by a client that wrote in the last REPLICA_PIN_SECONDS goes to the
  primary: the pin is kept in Redis, so every node sees it (`pins`);
- other reads go to the replica, unless it is down or lags more than REPLICA_MAX_LAG_SECONDS
  (`replica`), and credentials are always checked on the primary (`route.primary`).

`route` keeps each request's decision, `router` is the Django database router that asks it,
`middleware` opens and closes a request's route, answers the token and sets the pin. The
access log says which database served a request (`tessera.db` in the WSGI environment).
"""
