-- Named queries of SqliteQueueStore. Datetimes are integer microseconds since the epoch, UTC.

-- name: insert_queue
INSERT INTO queues (account, region, name, arn, settings, tags, created_at, modified_at,
                    last_purged_at)
VALUES (:account, :region, :name, :arn, :settings, :tags, :created_at, :modified_at,
        :last_purged_at)
ON CONFLICT (account, region, name) DO NOTHING;

-- name: get_queue
SELECT account, region, name, arn, settings, tags, created_at, modified_at, last_purged_at
FROM queues
WHERE account = :account AND region = :region AND name = :name;

-- name: queue_id
SELECT id FROM queues WHERE account = :account AND region = :region AND name = :name;

-- name: list_queues
SELECT account, region, name, arn, settings, tags, created_at, modified_at, last_purged_at
FROM queues
WHERE account = :account AND region = :region
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit;

-- name: update_queue
UPDATE queues
SET arn = :arn, settings = :settings, tags = :tags, created_at = :created_at,
    modified_at = :modified_at, last_purged_at = :last_purged_at
WHERE account = :account AND region = :region AND name = :name;

-- name: delete_queue
-- Messages and deduplication ids go by cascade.
DELETE FROM queues WHERE account = :account AND region = :region AND name = :name;

-- name: next_seq
UPDATE queues SET last_seq = last_seq + 1 WHERE id = :queue_id RETURNING last_seq;

-- name: next_seqs
-- Takes :count sequence numbers at once: the last of them is returned.
UPDATE queues SET last_seq = last_seq + :count WHERE id = :queue_id RETURNING last_seq;

-- name: forget_dedup
DELETE FROM queue_dedup WHERE queue_id = :queue_id AND at < :since;

-- name: find_dedup
SELECT message_id, seq FROM queue_dedup WHERE queue_id = :queue_id AND dedup_key = :dedup_key;

-- name: insert_dedup
INSERT INTO queue_dedup (queue_id, dedup_key, message_id, seq, at)
VALUES (:queue_id, :dedup_key, :message_id, :seq, :at);

-- name: insert_message
INSERT INTO queue_messages (queue_id, seq, id, body, attributes, system_attributes, sent_at,
                            visible_at, sender_id, group_id, deduplication_id, receive_count,
                            first_received_at, received_at, receipt, dead_letter_source_arn)
VALUES (:queue_id, :seq, :id, :body, :attributes, :system_attributes, :sent_at, :visible_at,
        :sender_id, :group_id, :deduplication_id, :receive_count, :first_received_at,
        :received_at, :receipt, :dead_letter_source_arn);

-- name: expire_messages
DELETE FROM queue_messages WHERE queue_id = :queue_id AND sent_at < :before;

-- name: visible_messages
SELECT seq, id, body, attributes, system_attributes, sent_at, visible_at, sender_id, group_id,
       deduplication_id, receive_count, first_received_at, received_at, receipt,
       dead_letter_source_arn
FROM queue_messages
WHERE queue_id = :queue_id AND visible_at <= :now
ORDER BY seq
LIMIT :limit;

-- name: visible_fifo_messages
-- Only messages with no earlier message of their group in flight or delayed: a group is
-- delivered in order, and a message made visible again while a later one of its group is in
-- flight is delivered again first (as AWS does).
SELECT seq, id, body, attributes, system_attributes, sent_at, visible_at, sender_id, group_id,
       deduplication_id, receive_count, first_received_at, received_at, receipt,
       dead_letter_source_arn
FROM queue_messages AS m
WHERE m.queue_id = :queue_id AND m.visible_at <= :now
  AND NOT EXISTS (
      SELECT 1 FROM queue_messages AS b
      WHERE b.queue_id = m.queue_id AND b.group_id IS m.group_id AND b.seq < m.seq
        AND b.visible_at > :now)
ORDER BY m.seq
LIMIT :limit;

-- name: take_message
UPDATE queue_messages
SET visible_at = :visible_at, receive_count = :receive_count,
    first_received_at = :first_received_at, received_at = :received_at, receipt = :receipt
WHERE queue_id = :queue_id AND id = :id;

-- name: get_message
SELECT seq, id, body, attributes, system_attributes, sent_at, visible_at, sender_id, group_id,
       deduplication_id, receive_count, first_received_at, received_at, receipt,
       dead_letter_source_arn
FROM queue_messages
WHERE queue_id = :queue_id AND id = :id;

-- name: delete_message
DELETE FROM queue_messages WHERE queue_id = :queue_id AND id = :id;

-- name: set_visible_at
UPDATE queue_messages SET visible_at = :visible_at
WHERE queue_id = :queue_id AND id = :id AND receipt = :receipt;

-- name: purge
DELETE FROM queue_messages WHERE queue_id = :queue_id;

-- name: forget_all_dedup
DELETE FROM queue_dedup WHERE queue_id = :queue_id;

-- name: redelay
UPDATE queue_messages SET visible_at = sent_at + :delay
WHERE queue_id = :queue_id AND receive_count = 0;

-- name: peek
SELECT seq, id, body, attributes, system_attributes, sent_at, visible_at, sender_id, group_id,
       deduplication_id, receive_count, first_received_at, received_at, receipt,
       dead_letter_source_arn
FROM queue_messages
WHERE queue_id = :queue_id
ORDER BY seq
LIMIT :limit;

-- name: counts
SELECT coalesce(sum(visible_at <= :now), 0),
       coalesce(sum(visible_at > :now AND receive_count > 0), 0),
       coalesce(sum(visible_at > :now AND receive_count = 0), 0)
FROM queue_messages
WHERE queue_id = :queue_id;

-- name: next_visible_at
SELECT min(visible_at) FROM queue_messages WHERE queue_id = :queue_id AND visible_at > :now;
