-- Connections and API destinations. Each record is one JSON document (``body``); the columns
-- beside it are what lookups, filters and name-ordered paging need. A connection's body holds its
-- secrets: busway has no separate secrets manager, so protect the database file accordingly.
CREATE TABLE connections (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE api_destinations (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    connection_arn TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
