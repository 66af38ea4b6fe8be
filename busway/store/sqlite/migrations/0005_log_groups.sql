-- Log groups, their log streams and log events (CloudWatch Logs as busway keeps it).
-- Times here are integer milliseconds since the Unix epoch, as CloudWatch Logs counts them.

CREATE TABLE log_groups (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    retention_days INTEGER,  -- NULL: events never expire
    UNIQUE (account, region, name)
);

CREATE INDEX log_groups_with_retention ON log_groups (retention_days)
    WHERE retention_days IS NOT NULL;

CREATE TABLE log_streams (
    group_id          INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    first_event_at    INTEGER,
    last_event_at     INTEGER,
    last_ingestion_at INTEGER,
    stored_bytes      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, name)
) WITHOUT ROWID;

-- id grows with each event stored: (timestamp, id) orders events and marks a place to resume.
CREATE TABLE log_events (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL,
    stream_name TEXT NOT NULL,
    timestamp   INTEGER NOT NULL,
    message     TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    FOREIGN KEY (group_id, stream_name)
        REFERENCES log_streams (group_id, name) ON DELETE CASCADE
);

CREATE INDEX log_events_by_time ON log_events (group_id, timestamp, id);
CREATE INDEX log_events_by_stream ON log_events (group_id, stream_name, timestamp, id);
