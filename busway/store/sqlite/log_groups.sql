-- Named queries of SqliteLogGroupStore. Lists of names and search terms arrive as JSON arrays.

-- name: insert_group
INSERT INTO log_groups (account, region, name, created_at, retention_days, kms_key_id,
                        log_group_class)
VALUES (:account, :region, :name, :created_at, :retention_days, :kms_key_id, :log_group_class)
ON CONFLICT (account, region, name) DO NOTHING

-- name: group_id
SELECT id FROM log_groups WHERE account = :account AND region = :region AND name = :name

-- name: get_group
SELECT g.account, g.region, g.name, g.created_at, g.retention_days,
       (SELECT coalesce(sum(s.stored_bytes), 0) FROM log_streams s WHERE s.group_id = g.id),
       g.kms_key_id, g.log_group_class
FROM log_groups g
WHERE g.account = :account AND g.region = :region AND g.name = :name

-- name: list_groups
SELECT g.account, g.region, g.name, g.created_at, g.retention_days,
       (SELECT coalesce(sum(s.stored_bytes), 0) FROM log_streams s WHERE s.group_id = g.id),
       g.kms_key_id, g.log_group_class
FROM log_groups g
WHERE g.account = :account AND g.region = :region
  AND (:prefix IS NULL OR substr(g.name, 1, length(:prefix)) = :prefix)
  AND (:pattern IS NULL OR instr(g.name, :pattern) > 0)
ORDER BY g.name
LIMIT :limit OFFSET :offset

-- name: groups_with_retention
SELECT account, region, name, created_at, retention_days, 0, kms_key_id, log_group_class
FROM log_groups
WHERE retention_days IS NOT NULL
ORDER BY account, region, name
LIMIT :limit

-- name: delete_group
DELETE FROM log_groups WHERE account = :account AND region = :region AND name = :name

-- name: set_retention
UPDATE log_groups SET retention_days = :days
WHERE account = :account AND region = :region AND name = :name

-- name: insert_stream
INSERT INTO log_streams (group_id, name, created_at) VALUES (:group_id, :name, :created_at)
ON CONFLICT (group_id, name) DO NOTHING

-- name: delete_stream
-- Its events go with it (ON DELETE CASCADE).
DELETE FROM log_streams WHERE group_id = :group_id AND name = :name

-- name: list_streams
SELECT name, created_at, first_event_at, last_event_at, last_ingestion_at, stored_bytes
FROM log_streams
WHERE group_id = :group_id
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
ORDER BY
    CASE WHEN :by_last AND NOT :descending THEN coalesce(last_event_at, 0) END ASC,
    CASE WHEN :by_last AND :descending THEN coalesce(last_event_at, 0) END DESC,
    CASE WHEN NOT :descending THEN name END ASC,
    CASE WHEN :descending THEN name END DESC
LIMIT :limit OFFSET :offset

-- name: grow_stream
INSERT INTO log_streams (group_id, name, created_at, first_event_at, last_event_at,
                         last_ingestion_at, stored_bytes)
VALUES (:group_id, :name, :ingested_at, :first, :last, :ingested_at, :bytes)
ON CONFLICT (group_id, name) DO UPDATE SET
    first_event_at = min(coalesce(first_event_at, excluded.first_event_at),
                         excluded.first_event_at),
    last_event_at = max(coalesce(last_event_at, excluded.last_event_at), excluded.last_event_at),
    last_ingestion_at = excluded.last_ingestion_at,
    stored_bytes = stored_bytes + excluded.stored_bytes

-- name: insert_event
INSERT INTO log_events (group_id, stream_name, timestamp, message, ingested_at)
VALUES (?, ?, ?, ?, ?)

-- name: read_events_ascending
SELECT id, stream_name, timestamp, message, ingested_at
FROM log_events
WHERE group_id = :group_id
  AND (:streams IS NULL OR stream_name IN (SELECT value FROM json_each(:streams)))
  AND (:stream_prefix IS NULL
       OR substr(stream_name, 1, length(:stream_prefix)) = :stream_prefix)
  AND (:start IS NULL OR timestamp >= :start)
  AND (:end IS NULL OR timestamp < :end)
  AND (:after_ts IS NULL OR (timestamp, id) > (:after_ts, :after_id))
  AND (:before_ts IS NULL OR (timestamp, id) < (:before_ts, :before_id))
  AND NOT EXISTS (SELECT 1 FROM json_each(:terms) WHERE instr(message, value) = 0)
ORDER BY timestamp, id
LIMIT :limit

-- name: read_events_descending
SELECT id, stream_name, timestamp, message, ingested_at
FROM log_events
WHERE group_id = :group_id
  AND (:streams IS NULL OR stream_name IN (SELECT value FROM json_each(:streams)))
  AND (:stream_prefix IS NULL
       OR substr(stream_name, 1, length(:stream_prefix)) = :stream_prefix)
  AND (:start IS NULL OR timestamp >= :start)
  AND (:end IS NULL OR timestamp < :end)
  AND (:after_ts IS NULL OR (timestamp, id) > (:after_ts, :after_id))
  AND (:before_ts IS NULL OR (timestamp, id) < (:before_ts, :before_id))
  AND NOT EXISTS (SELECT 1 FROM json_each(:terms) WHERE instr(message, value) = 0)
ORDER BY timestamp DESC, id DESC
LIMIT :limit

-- name: delete_events_before
DELETE FROM log_events
WHERE id IN (
    SELECT id FROM log_events
    WHERE group_id = :group_id AND timestamp < :timestamp
    ORDER BY timestamp, id
    LIMIT :limit
)

-- name: count_resource_policies
SELECT count(*) FROM log_resource_policies WHERE account = :account AND region = :region

-- name: resource_policy_exists
SELECT 1 FROM log_resource_policies
WHERE account = :account AND region = :region AND name = :name

-- name: upsert_resource_policy
INSERT INTO log_resource_policies (account, region, name, document, updated_at)
VALUES (:account, :region, :name, :document, :updated_at)
ON CONFLICT (account, region, name) DO UPDATE
SET document = excluded.document, updated_at = excluded.updated_at

-- name: list_resource_policies
SELECT account, region, name, document, updated_at FROM log_resource_policies
WHERE account = :account AND region = :region
ORDER BY name

-- name: delete_resource_policy
DELETE FROM log_resource_policies WHERE account = :account AND region = :region AND name = :name

-- name: group_tags
SELECT key, value FROM log_group_tags WHERE group_id = :group_id ORDER BY key

-- name: upsert_group_tag
INSERT INTO log_group_tags (group_id, key, value) VALUES (:group_id, :key, :value)
ON CONFLICT (group_id, key) DO UPDATE SET value = excluded.value

-- name: delete_group_tag
DELETE FROM log_group_tags WHERE group_id = :group_id AND key = :key
