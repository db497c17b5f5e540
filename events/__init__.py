"""Change events: every committed change record as a CloudEvent (audit.events), on a resumable
change feed (`events.api`) within each client's reach (`events.reach`). Above the domain apps:
it knows which realm each kind of record belongs to."""
