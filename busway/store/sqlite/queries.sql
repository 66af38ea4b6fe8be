-- Named queries of SqliteStore. Datetimes are integer microseconds since the epoch, UTC.
-- Listing queries take :prefix and :after as NULL when unset (keyset paging by name).

-- name: insert_event
INSERT INTO events (id, account, region, bus, source, detail_type, time, ingested_at, resources,
                    trace_header, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: last_seq
-- The seq of the last event inserted on this connection.
SELECT last_insert_rowid();

-- name: event_id_at
SELECT id FROM events WHERE seq = ?;

-- name: insert_delivery
-- claimed is 1 for deliveries handed to this node's dispatcher as they are stored; their due_at
-- is then the lease end, as a claim leaves it.
INSERT INTO deliveries (event_seq, rule_arn, target_id, due_at, attempts, claimed)
VALUES (?, ?, ?, ?, ?, ?);

-- name: last_delivery_id
-- The id of the last delivery inserted on this connection.
SELECT last_insert_rowid();

-- name: delivery_at
SELECT event_seq, rule_arn, target_id FROM deliveries WHERE id = ?;

-- name: get_event
SELECT id, account, region, bus, source, detail_type, time, ingested_at, resources,
       trace_header, body
FROM events
WHERE id = :id;

-- name: count_events
SELECT count(*) FROM events;

-- name: prune_batch
-- A retention sweep's batch (busway.store.pruning): events oldest first, whether each still has a
-- delivery in the outbox (by the deliveries' unique key, which starts with event_seq).
SELECT seq, ingested_at,
       EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_seq = events.seq)
FROM events
WHERE seq > :after
ORDER BY seq
LIMIT :limit;

-- name: newest_event
SELECT max(seq) FROM events;

-- name: delete_event
DELETE FROM events WHERE seq = ?;

-- name: list_deliveries
SELECT events.id, rule_arn, target_id, due_at, attempts
FROM deliveries JOIN events ON events.seq = deliveries.event_seq
WHERE events.id = :event_id
ORDER BY rule_arn, target_id;

-- name: insert_bus
INSERT INTO buses (account, region, name, arn, created_at, modified_at, description,
                   kms_key_identifier, dead_letter_arn, log_config, policy, event_source_name)
VALUES (:account, :region, :name, :arn, :created_at, :modified_at, :description,
        :kms_key_identifier, :dead_letter_arn, :log_config, :policy, :event_source_name)
ON CONFLICT (account, region, name) DO NOTHING;

-- name: update_bus
UPDATE buses
SET arn = :arn, created_at = :created_at, modified_at = :modified_at,
    description = :description, kms_key_identifier = :kms_key_identifier,
    dead_letter_arn = :dead_letter_arn, log_config = :log_config, policy = :policy,
    event_source_name = :event_source_name
WHERE account = :account AND region = :region AND name = :name;

-- name: get_bus
SELECT account, region, name, arn, created_at, modified_at, description, kms_key_identifier,
       dead_letter_arn, log_config, policy, event_source_name
FROM buses
WHERE account = :account AND region = :region AND name = :name;

-- name: all_buses
SELECT account, region, name, arn, created_at, modified_at, description, kms_key_identifier,
       dead_letter_arn, log_config, policy, event_source_name
FROM buses
ORDER BY arn;

-- name: list_buses
SELECT account, region, name, arn, created_at, modified_at, description, kms_key_identifier,
       dead_letter_arn, log_config, policy, event_source_name
FROM buses
WHERE account = :account AND region = :region
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit;

-- name: bus_exists
SELECT 1 FROM buses WHERE account = :account AND region = :region AND name = :name;

-- name: delete_bus_tags
-- The tags of the bus and of its rules; the rules and their targets go by foreign key cascade.
DELETE FROM tags
WHERE arn IN (SELECT arn FROM buses
              WHERE account = :account AND region = :region AND name = :name
              UNION ALL
              SELECT arn FROM rules
              WHERE account = :account AND region = :region AND bus_name = :name);

-- name: delete_bus
DELETE FROM buses WHERE account = :account AND region = :region AND name = :name;

-- name: upsert_rule
INSERT INTO rules (arn, account, region, bus_name, name, state, created_at, created_by,
                   event_pattern, schedule_expression, description, role_arn, managed_by)
VALUES (:arn, :account, :region, :bus_name, :name, :state, :created_at, :created_by,
        :event_pattern, :schedule_expression, :description, :role_arn, :managed_by)
ON CONFLICT (arn) DO UPDATE
SET account = excluded.account, region = excluded.region, bus_name = excluded.bus_name,
    name = excluded.name, state = excluded.state, created_at = excluded.created_at,
    created_by = excluded.created_by, event_pattern = excluded.event_pattern,
    schedule_expression = excluded.schedule_expression, description = excluded.description,
    role_arn = excluded.role_arn, managed_by = excluded.managed_by;

-- name: get_rule
SELECT arn, account, region, bus_name, name, state, created_at, created_by, event_pattern,
       schedule_expression, description, role_arn, managed_by
FROM rules
WHERE account = :account AND region = :region AND bus_name = :bus_name AND name = :name;

-- name: list_rules
SELECT arn, account, region, bus_name, name, state, created_at, created_by, event_pattern,
       schedule_expression, description, role_arn, managed_by
FROM rules
WHERE account = :account AND region = :region AND bus_name = :bus_name
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit;

-- name: count_rules
SELECT count(*) FROM rules
WHERE account = :account AND region = :region AND bus_name = :bus_name;

-- name: all_rules
SELECT arn, account, region, bus_name, name, state, created_at, created_by, event_pattern,
       schedule_expression, description, role_arn, managed_by
FROM rules
ORDER BY arn;

-- name: rule_exists
SELECT 1 FROM rules WHERE arn = :arn;

-- name: delete_rule
-- Its targets go by foreign key cascade.
DELETE FROM rules WHERE arn = :arn;

-- name: upsert_target
INSERT INTO targets (rule_arn, id, target)
VALUES (?, ?, ?)
ON CONFLICT (rule_arn, id) DO UPDATE SET target = excluded.target;

-- name: delete_target
DELETE FROM targets WHERE rule_arn = ? AND id = ?;

-- name: list_targets
SELECT target FROM targets WHERE rule_arn = :rule_arn ORDER BY id;

-- name: all_targets
SELECT rule_arn, target FROM targets ORDER BY rule_arn, id;

-- name: get_tags
SELECT key, value FROM tags WHERE arn = :arn ORDER BY key;

-- name: upsert_tag
INSERT INTO tags (arn, key, value)
VALUES (?, ?, ?)
ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value;

-- name: delete_tag
DELETE FROM tags WHERE arn = ? AND key = ?;

-- name: delete_tags_of
DELETE FROM tags WHERE arn = :arn;

-- name: due_deliveries
-- The deliveries whose due_at has come, with their events, the earliest first. Run by the writer
-- inside the claiming transaction, so nothing else can claim them in between.
SELECT deliveries.id, rule_arn, target_id, attempts, error_code, error_message,
       events.id, account, region, bus, source, detail_type, time, ingested_at, resources,
       trace_header, body
FROM deliveries JOIN events ON events.seq = deliveries.event_seq
WHERE due_at <= :now
ORDER BY due_at, deliveries.id
LIMIT :limit;

-- name: lease_delivery
UPDATE deliveries SET due_at = ?, claimed = 1 WHERE id = ?;

-- name: complete_delivery
DELETE FROM deliveries WHERE id = ?;

-- name: retry_delivery
-- Applies only while the claim holds: due_at is still its lease end (the claim's token).
UPDATE deliveries SET due_at = ?, attempts = ?, error_code = ?, error_message = ?, claimed = 0
WHERE id = ? AND due_at = ?;

-- name: release_claims
UPDATE deliveries SET due_at = :now, claimed = 0 WHERE claimed = 1;

-- name: next_due_at
SELECT min(due_at) FROM deliveries;

-- name: record_outcome
-- Run just before complete_delivery deletes the row, in the same transaction.
INSERT INTO delivery_outcomes (event_seq, account, region, bus, rule_arn, target_id, state,
                               attempts, error_code)
SELECT event_seq, :account, :region, :bus, rule_arn, target_id, :state, :attempts, :error_code
FROM deliveries
WHERE id = :id;

-- name: activity_cut
-- The seq of the oldest event whose outcomes a bus keeps when it keeps :keep of them.
SELECT event_seq FROM delivery_outcomes
WHERE account = :account AND region = :region AND bus = :bus
ORDER BY event_seq DESC
LIMIT 1 OFFSET :keep;

-- name: prune_outcomes
DELETE FROM delivery_outcomes
WHERE account = :account AND region = :region AND bus = :bus AND event_seq < :floor;

-- name: raise_floor
INSERT INTO activity_floors (account, region, bus, floor_seq)
VALUES (:account, :region, :bus, :floor)
ON CONFLICT (account, region, bus) DO UPDATE
SET floor_seq = max(floor_seq, excluded.floor_seq);

-- name: activity_start
-- Events after this seq may be in the bus's ring: the later of its floor and the scan window.
SELECT max(coalesce((SELECT floor_seq - 1 FROM activity_floors
                     WHERE account = :account AND region = :region AND bus = :bus), 0),
           coalesce((SELECT max(seq) FROM events), 0) - :window),
       coalesce((SELECT max(seq) FROM events), 0);

-- name: latest_events
SELECT seq, id, account, region, bus, source, detail_type, time, ingested_at, resources,
       trace_header, body
FROM events
WHERE seq > :start AND account = :account AND region = :region AND bus = :bus
ORDER BY seq DESC
LIMIT :limit;

-- name: events_after
SELECT seq, id, account, region, bus, source, detail_type, time, ingested_at, resources,
       trace_header, body
FROM events
WHERE seq > :start AND account = :account AND region = :region AND bus = :bus
ORDER BY seq
LIMIT :limit;

-- name: outcomes_of
SELECT event_seq, rule_arn, target_id, state, attempts, error_code
FROM delivery_outcomes
WHERE account = :account AND region = :region AND bus = :bus
  AND event_seq IN (SELECT value FROM json_each(:seqs))
ORDER BY id;

-- name: pending_of
SELECT event_seq, rule_arn, target_id, attempts, due_at, claimed, error_code
FROM deliveries
WHERE event_seq IN (SELECT value FROM json_each(:seqs))
ORDER BY event_seq, rule_arn, target_id;

-- name: redrive_event
-- The event comes back with a new ingestion time, stored anew if it is gone.
INSERT INTO events (id, account, region, bus, source, detail_type, time, ingested_at, resources,
                    trace_header, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET ingested_at = excluded.ingested_at
RETURNING seq;

-- name: redrive_delivery
INSERT INTO deliveries (event_seq, rule_arn, target_id, due_at, attempts, claimed)
VALUES (?, ?, ?, ?, 0, 0)
ON CONFLICT (event_seq, rule_arn, target_id) DO NOTHING;
