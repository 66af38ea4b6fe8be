-- CloudWatch Logs resource policies (account level): which services may write to log groups.
-- updated_at is integer milliseconds since the Unix epoch, as CloudWatch Logs counts time.

CREATE TABLE log_resource_policies (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
