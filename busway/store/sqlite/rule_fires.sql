-- Named queries of SqliteStore for rule schedules. Datetimes are integer microseconds since the
-- epoch, UTC.

-- name: insert_fire
-- Inserts nothing when the tick fired already, or the rule is gone or disabled: the rowcount
-- says whether this caller fires the tick. (`WHERE` keeps SQLite from reading the upsert's
-- `ON CONFLICT` as a join constraint of the SELECT.)
INSERT INTO rule_fires (rule_arn, tick, event_id)
SELECT :rule_arn, :tick, :event_id
WHERE EXISTS (SELECT 1 FROM rules WHERE arn = :rule_arn AND state != 'DISABLED')
ON CONFLICT (rule_arn, tick) DO NOTHING;

-- name: forget_fires
DELETE FROM rule_fires WHERE rule_arn = :rule_arn AND tick < :forget_before;
