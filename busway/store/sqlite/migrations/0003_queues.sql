-- busway's SQS queues, their messages and FIFO deduplication ids.
-- Datetimes are integer microseconds since the Unix epoch, UTC.

CREATE TABLE queues (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    arn            TEXT NOT NULL,
    settings       TEXT NOT NULL,  -- JSON of QueueSettings
    tags           TEXT NOT NULL,  -- JSON object
    created_at     INTEGER NOT NULL,
    modified_at    INTEGER NOT NULL,
    last_purged_at INTEGER,
    last_seq       INTEGER NOT NULL DEFAULT 0,  -- the seq given to the newest message
    UNIQUE (account, region, name)
);

CREATE TABLE queue_messages (
    queue_id               INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    seq                    INTEGER NOT NULL,
    id                     TEXT NOT NULL,
    body                   TEXT NOT NULL,
    attributes             TEXT NOT NULL,  -- JSON {name: [data_type, string, base64 binary]}
    system_attributes      TEXT NOT NULL,
    sent_at                INTEGER NOT NULL,
    visible_at             INTEGER NOT NULL,
    sender_id              TEXT NOT NULL,
    group_id               TEXT,
    deduplication_id       TEXT,
    receive_count          INTEGER NOT NULL DEFAULT 0,
    first_received_at      INTEGER,
    received_at            INTEGER,
    receipt                TEXT,
    dead_letter_source_arn TEXT,
    PRIMARY KEY (queue_id, seq)
) WITHOUT ROWID;

CREATE UNIQUE INDEX queue_messages_by_id ON queue_messages (queue_id, id);
CREATE INDEX queue_messages_by_visibility ON queue_messages (queue_id, visible_at);
CREATE INDEX queue_messages_by_sent_at ON queue_messages (queue_id, sent_at);
CREATE INDEX queue_messages_by_group ON queue_messages (queue_id, group_id, visible_at);

-- Outlives the message it names: a repeat within the window is refused even after a delete.
CREATE TABLE queue_dedup (
    queue_id   INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    dedup_key  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_key)
) WITHOUT ROWID;

CREATE INDEX queue_dedup_by_at ON queue_dedup (queue_id, at);
