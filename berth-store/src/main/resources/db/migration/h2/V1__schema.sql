-- H2 compares strings by code unit, like Java, so ORDER BY and "> last key" pagination agree with
-- String order. H2 has no partial indexes: the time-based job queries use plain indexes instead.
-- JSON lives in VARCHAR (H2's limit is 1,000,000 characters per value, far above any status; task
-- definitions are capped well below that by the queue) because CLOBs are stored out of row.

CREATE TABLE tasks (
    task_id        VARCHAR(64)  PRIMARY KEY,
    task_queue_id  VARCHAR(255) NOT NULL,
    task_group_id  VARCHAR(64)  NOT NULL,
    scheduler_id   VARCHAR(255),
    priority       INT          NOT NULL,
    state          VARCHAR(16)  NOT NULL,
    taken_until    TIMESTAMP WITH TIME ZONE,
    deadline       TIMESTAMP WITH TIME ZONE NOT NULL,
    expires        TIMESTAMP WITH TIME ZONE NOT NULL,
    definition     VARCHAR      NOT NULL,
    status         VARCHAR      NOT NULL
);

CREATE INDEX tasks_group ON tasks (task_group_id, task_id);
CREATE INDEX tasks_taken_until ON tasks (taken_until);
CREATE INDEX tasks_deadline ON tasks (deadline);
CREATE INDEX tasks_expires ON tasks (expires);
CREATE INDEX tasks_queue_state ON tasks (task_queue_id, state);

CREATE SEQUENCE pending_seq;

CREATE TABLE pending (
    task_id        VARCHAR(64)  PRIMARY KEY,
    run_id         INT          NOT NULL,
    task_queue_id  VARCHAR(255) NOT NULL,
    priority       INT          NOT NULL,
    seq            BIGINT       NOT NULL
);

CREATE INDEX pending_claim_order ON pending (task_queue_id, priority DESC, seq);

CREATE TABLE dependencies (
    required_task_id  VARCHAR(64) NOT NULL,
    dependent_task_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (required_task_id, dependent_task_id)
);

CREATE INDEX dependencies_dependent ON dependencies (dependent_task_id);

CREATE TABLE artifacts (
    task_id       VARCHAR(64)   NOT NULL,
    run_id        INT           NOT NULL,
    name          VARCHAR(1024) NOT NULL,
    storage_type  VARCHAR(16)   NOT NULL,
    content_type  VARCHAR(255),
    expires       TIMESTAMP WITH TIME ZONE NOT NULL,
    present       BOOLEAN       NOT NULL,
    blob_key      VARCHAR(2048),
    details       VARCHAR,
    PRIMARY KEY (task_id, run_id, name)
);

CREATE INDEX artifacts_expires ON artifacts (expires);

CREATE TABLE clients (
    client_id            VARCHAR(255) PRIMARY KEY,
    description          VARCHAR,
    sealed_access_token  VARCHAR      NOT NULL,
    scopes               VARCHAR      NOT NULL,
    created              TIMESTAMP WITH TIME ZONE NOT NULL,
    last_modified        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_date_used       TIMESTAMP WITH TIME ZONE,
    last_rotated         TIMESTAMP WITH TIME ZONE,
    expires              TIMESTAMP WITH TIME ZONE NOT NULL,
    disabled             BOOLEAN      NOT NULL,
    delete_on_expiration BOOLEAN      NOT NULL
);

CREATE TABLE roles (
    role_id        VARCHAR(255) PRIMARY KEY,
    description    VARCHAR,
    scopes         VARCHAR      NOT NULL,
    created        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_modified  TIMESTAMP WITH TIME ZONE NOT NULL
);
