-- Named queries of SqliteScheduleStore. Datetimes are integer microseconds since the epoch, UTC.

-- name: insert_group
INSERT INTO schedule_groups (account, region, name, arn, created_at, modified_at)
VALUES (:account, :region, :name, :arn, :created_at, :modified_at)
ON CONFLICT DO NOTHING;

-- name: get_group
SELECT account, region, name, arn, created_at, modified_at
FROM schedule_groups
WHERE account = :account AND region = :region AND name = :name;

-- name: list_groups
SELECT account, region, name, arn, created_at, modified_at
FROM schedule_groups
WHERE account = :account AND region = :region
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit;

-- name: count_groups
SELECT count(*) FROM schedule_groups WHERE account = :account AND region = :region;

-- name: schedules_of_group
SELECT arn FROM schedules
WHERE account = :account AND region = :region AND group_name = :name
ORDER BY arn;

-- name: delete_group_tags
DELETE FROM tags
WHERE arn = (SELECT arn FROM schedule_groups
             WHERE account = :account AND region = :region AND name = :name);

-- name: delete_group
-- Its schedules go by cascade.
DELETE FROM schedule_groups WHERE account = :account AND region = :region AND name = :name;

-- name: get_tags
SELECT key, value FROM tags WHERE arn = :arn ORDER BY key;

-- name: upsert_tag
INSERT INTO tags (arn, key, value)
VALUES (?, ?, ?)
ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value;

-- name: delete_tag
DELETE FROM tags WHERE arn = ? AND key = ?;

-- name: group_exists
SELECT 1 FROM schedule_groups WHERE account = :account AND region = :region AND name = :group_name;

-- name: insert_schedule
INSERT INTO schedules (arn, account, region, group_name, name, state, schedule)
VALUES (:arn, :account, :region, :group_name, :name, :state, :schedule)
ON CONFLICT DO NOTHING;

-- name: update_schedule
UPDATE schedules SET state = :state, schedule = :schedule
WHERE arn = :arn AND account = :account AND region = :region AND group_name = :group_name
  AND name = :name;

-- name: get_schedule
SELECT schedule FROM schedules
WHERE account = :account AND region = :region AND group_name = :group_name AND name = :name;

-- name: list_schedules
SELECT schedule FROM schedules
WHERE account = :account AND region = :region
  AND (:group_name IS NULL OR group_name = :group_name)
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:state IS NULL OR state = :state)
  AND (:after_group IS NULL OR (group_name, name) > (:after_group, :after_name))
ORDER BY group_name, name
LIMIT :limit;

-- name: count_schedules
SELECT count(*) FROM schedules WHERE account = :account AND region = :region;

-- name: delete_schedule
DELETE FROM schedules
WHERE account = :account AND region = :region AND group_name = :group_name AND name = :name;

-- name: delete_schedule_by_arn
DELETE FROM schedules WHERE arn = :arn;

-- name: all_schedules
SELECT schedule FROM schedules ORDER BY account, region, group_name, name;

-- name: insert_fire
-- Taking the key: no row inserted means the tick was fired already.
INSERT INTO schedule_fires (schedule_arn, tick, fired_at, event_id, target)
VALUES (:schedule_arn, :tick, :fired_at, :event_id, :target)
ON CONFLICT DO NOTHING;

-- name: pending_fire_targets
-- Fires of deleted schedules whose delivery is still in the outbox, the latest last.
SELECT schedule_fires.schedule_arn, schedule_fires.target
FROM schedule_fires
JOIN events ON events.id = schedule_fires.event_id
WHERE schedule_fires.schedule_arn NOT IN (SELECT arn FROM schedules)
  AND EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_seq = events.seq)
ORDER BY schedule_fires.tick;

-- name: prune_fires
DELETE FROM schedule_fires WHERE tick < :before;
