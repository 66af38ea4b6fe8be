-- EventBridge Scheduler: schedule groups, schedules and the fire records that make each tick of a
-- schedule fire exactly once. Datetimes are integer microseconds since the epoch, UTC.

CREATE TABLE schedule_groups (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    arn         TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

-- A schedule is one JSON document beside the columns it is looked up and listed by: its many
-- optional, nested parts are only ever read whole.
CREATE TABLE schedules (
    arn        TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    group_name TEXT NOT NULL,
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    schedule   TEXT NOT NULL,
    UNIQUE (account, region, group_name, name),
    FOREIGN KEY (account, region, group_name)
        REFERENCES schedule_groups (account, region, name) ON DELETE CASCADE
);

-- The key (schedule_arn, tick) is taken in the transaction that appends the tick's invocation
-- to the outbox: whoever takes it fires the tick, nobody else can. No foreign key to schedules:
-- a schedule deleted after its last tick keeps its fire record until pruned.
CREATE TABLE schedule_fires (
    schedule_arn TEXT NOT NULL,
    tick         INTEGER NOT NULL,
    fired_at     INTEGER NOT NULL,
    event_id     TEXT NOT NULL,
    target       TEXT NOT NULL,  -- the delivery target as configured when it fired, JSON
    PRIMARY KEY (schedule_arn, tick)
) WITHOUT ROWID;

CREATE INDEX schedule_fires_tick ON schedule_fires (tick);
