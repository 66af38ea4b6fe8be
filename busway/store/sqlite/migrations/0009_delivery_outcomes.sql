-- The activity record: how deliveries ended, for the console and ``busway events tail``.
--
-- A delivery's outbox row is deleted once it is settled; its outcome is written by the same
-- statement batch, in the same transaction. Rows carry their bus so that each bus keeps its own
-- bounded ring: once a bus holds more than its bound, the outcomes of its oldest events go and
-- activity_floors remembers where its ring now starts (older events of the bus are no longer
-- shown, rather than shown as if they had matched nothing). Nothing is written per event: the
-- events themselves are those of the events table.
--
-- A row is written for every settled delivery, so it carries only what the ring and the
-- console's reads need: one index (by bus, which also finds a page's outcomes), and no foreign
-- key, whose check on every insert would only guard what the ring's pruning already bounds.
CREATE TABLE delivery_outcomes (
    id         INTEGER PRIMARY KEY,
    event_seq  INTEGER NOT NULL,  -- the events row's seq
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    bus        TEXT NOT NULL,
    rule_arn   TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    state      TEXT NOT NULL,  -- DELIVERED | DEAD_LETTERED | DROPPED | FAILED
    attempts   INTEGER NOT NULL,
    error_code TEXT
);

CREATE INDEX delivery_outcomes_by_bus ON delivery_outcomes (account, region, bus, event_seq);

CREATE TABLE activity_floors (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    bus       TEXT NOT NULL,
    floor_seq INTEGER NOT NULL,  -- events of the bus before this seq are out of its ring
    PRIMARY KEY (account, region, bus)
) WITHOUT ROWID;
