-- Connections and API destinations (migration 0004). Parameters are named (:name).

-- name: insert_connection
INSERT INTO connections (account, region, name, arn, state, body)
VALUES (:account, :region, :name, :arn, :state, :body)
ON CONFLICT DO NOTHING

-- name: get_connection
SELECT body FROM connections WHERE account = :account AND region = :region AND name = :name

-- name: get_connection_by_arn
SELECT body FROM connections WHERE arn = :arn

-- name: list_connections
SELECT body FROM connections
WHERE account = :account AND region = :region
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:state IS NULL OR state = :state)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit

-- name: update_connection
UPDATE connections SET state = :state, body = :body WHERE arn = :arn

-- name: delete_connection
DELETE FROM connections WHERE arn = :arn

-- name: insert_api_destination
INSERT INTO api_destinations (account, region, name, arn, connection_arn, body)
VALUES (:account, :region, :name, :arn, :connection_arn, :body)
ON CONFLICT DO NOTHING

-- name: get_api_destination
SELECT body FROM api_destinations WHERE account = :account AND region = :region AND name = :name

-- name: get_api_destination_by_arn
SELECT body FROM api_destinations WHERE arn = :arn

-- name: list_api_destinations
SELECT body FROM api_destinations
WHERE account = :account AND region = :region
  AND (:prefix IS NULL OR substr(name, 1, length(:prefix)) = :prefix)
  AND (:connection_arn IS NULL OR connection_arn = :connection_arn)
  AND (:after IS NULL OR name > :after)
ORDER BY name
LIMIT :limit

-- name: update_api_destination
UPDATE api_destinations SET connection_arn = :connection_arn, body = :body WHERE arn = :arn

-- name: delete_api_destination
DELETE FROM api_destinations WHERE arn = :arn
