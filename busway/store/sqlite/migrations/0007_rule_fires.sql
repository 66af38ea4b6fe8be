-- The ticks of rules' schedules (PutRule's ScheduleExpression) that have fired. The primary key
-- decides who fires a tick: the row is inserted in the transaction that stores the Scheduled
-- Event and its deliveries, and a conflict means the tick fired already (before a restart, or
-- on another node sharing the database), so nothing is written. No lock is held between
-- deciding and writing. tick is integer microseconds since the Unix epoch, UTC, like every
-- datetime here. Deleting the rule deletes its fire records.
CREATE TABLE rule_fires (
    rule_arn TEXT NOT NULL REFERENCES rules (arn) ON DELETE CASCADE,
    tick     INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (rule_arn, tick)
) WITHOUT ROWID;
