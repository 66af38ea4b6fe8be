-- The first schema: configuration (buses, rules, targets, tags), events and the delivery outbox.
-- Datetimes are integer microseconds since the Unix epoch, UTC: exact and cheap to compare.

CREATE TABLE buses (
    account            TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT NOT NULL,
    arn                TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    modified_at        INTEGER NOT NULL,
    description        TEXT,
    kms_key_identifier TEXT,
    dead_letter_arn    TEXT,
    log_config         TEXT,  -- JSON {"include_detail": ..., "level": ...}, NULL when unset
    policy             TEXT,
    event_source_name  TEXT,
    PRIMARY KEY (account, region, name)
);

CREATE TABLE rules (
    arn                 TEXT PRIMARY KEY,
    account             TEXT NOT NULL,
    region              TEXT NOT NULL,
    bus_name            TEXT NOT NULL,
    name                TEXT NOT NULL,
    state               TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    created_by          TEXT NOT NULL,
    event_pattern       TEXT,
    schedule_expression TEXT,
    description         TEXT,
    role_arn            TEXT,
    managed_by          TEXT,
    UNIQUE (account, region, bus_name, name),
    FOREIGN KEY (account, region, bus_name)
        REFERENCES buses (account, region, name) ON DELETE CASCADE
);

-- A target is stored as one JSON document: it has many optional, nested parts that are only
-- ever read whole, and JSON keeps other_parameters exactly as the client sent them.
CREATE TABLE targets (
    rule_arn TEXT NOT NULL REFERENCES rules (arn) ON DELETE CASCADE,
    id       TEXT NOT NULL,
    target   TEXT NOT NULL,
    PRIMARY KEY (rule_arn, id)
) WITHOUT ROWID;

CREATE TABLE tags (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;

-- seq orders events as they were accepted; deliveries refer to it rather than to the id, so
-- their index grows at its end instead of at random places (ids are random UUIDs): this is most
-- of what makes ingest fast.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    bus          TEXT NOT NULL,
    source       TEXT NOT NULL,
    detail_type  TEXT NOT NULL,
    time         INTEGER NOT NULL,
    ingested_at  INTEGER NOT NULL,
    resources    TEXT NOT NULL,  -- JSON array of strings
    trace_header TEXT,
    body         BLOB NOT NULL
);

-- The outbox. Deliveries of a deleted rule stay: the dispatcher decides what to do with them.
CREATE TABLE deliveries (
    id        INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    rule_arn  TEXT NOT NULL,
    target_id TEXT NOT NULL,
    due_at    INTEGER NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_seq, rule_arn, target_id)
);

-- The dispatcher takes the deliveries that are due first.
CREATE INDEX deliveries_due_at ON deliveries (due_at);
