-- Worker pools (worker-manager): a pool per task queue, its workers as the provisioner records them, and the
-- errors reported on it. config and provider_data are JSON text: the domain reads them, SQL never does.
CREATE TABLE worker_pools (
    worker_pool_id  VARCHAR(255) COLLATE "C" PRIMARY KEY,
    provider_id     VARCHAR(38)  NOT NULL,
    description     TEXT         NOT NULL,
    config          TEXT         NOT NULL,
    owner           VARCHAR(1024) NOT NULL,
    email_on_error  BOOLEAN      NOT NULL,
    created         TIMESTAMPTZ  NOT NULL,
    last_modified   TIMESTAMPTZ  NOT NULL
);

CREATE TABLE pool_workers (
    worker_pool_id  VARCHAR(255) COLLATE "C" NOT NULL REFERENCES worker_pools (worker_pool_id) ON DELETE CASCADE,
    worker_group    VARCHAR(38)  COLLATE "C" NOT NULL,
    worker_id       VARCHAR(38)  COLLATE "C" NOT NULL,
    provider_id     VARCHAR(38)  NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    capacity        INTEGER      NOT NULL,
    created         TIMESTAMPTZ  NOT NULL,
    expires         TIMESTAMPTZ  NOT NULL,
    last_modified   TIMESTAMPTZ  NOT NULL,
    last_checked    TIMESTAMPTZ  NOT NULL,
    provider_data   TEXT         NOT NULL,
    PRIMARY KEY (worker_pool_id, worker_group, worker_id)
);
CREATE INDEX pool_workers_state ON pool_workers (worker_pool_id, state);
CREATE INDEX pool_workers_expires ON pool_workers (expires);

CREATE TABLE worker_pool_errors (
    error_id        VARCHAR(64)  COLLATE "C" PRIMARY KEY,
    worker_pool_id  VARCHAR(255) COLLATE "C" NOT NULL REFERENCES worker_pools (worker_pool_id) ON DELETE CASCADE,
    reported        TIMESTAMPTZ  NOT NULL,
    kind            VARCHAR(128) NOT NULL,
    title           VARCHAR(128) NOT NULL,
    description     TEXT         NOT NULL,
    extra           TEXT         NOT NULL
);
CREATE INDEX worker_pool_errors_pool ON worker_pool_errors (worker_pool_id, reported, error_id);
CREATE INDEX worker_pool_errors_reported ON worker_pool_errors (reported);
