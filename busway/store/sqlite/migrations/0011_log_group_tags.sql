-- What CreateLogGroup may set besides the name: a KMS key (kept and shown, nothing is
-- encrypted with it), the log class, and tags.

ALTER TABLE log_groups ADD COLUMN kms_key_id TEXT;
ALTER TABLE log_groups ADD COLUMN log_group_class TEXT NOT NULL DEFAULT 'STANDARD';

CREATE TABLE log_group_tags (
    group_id INTEGER NOT NULL REFERENCES log_groups (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (group_id, key)
) WITHOUT ROWID;
