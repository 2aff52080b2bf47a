-- purge-cache service: one open request per (worker pool, cache name); workers purge instances older than "before"
CREATE TABLE purge_requests (
    worker_pool_id  VARCHAR(255) COLLATE "C" NOT NULL,
    cache_name      VARCHAR(256) COLLATE "C" NOT NULL,
    before          TIMESTAMPTZ  NOT NULL,
    expires         TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (worker_pool_id, cache_name)
);
CREATE INDEX purge_requests_expires ON purge_requests (expires);
