-- Keys use the C collation so that ORDER BY and the "> last key" continuation predicate agree with
-- Java's String order (slugids contain '-' and '_', which linguistic collations ignore), and so that
-- LIKE 'prefix%' can use the primary key index.

CREATE TABLE tasks (
    task_id        VARCHAR(64)  COLLATE "C" PRIMARY KEY,
    task_queue_id  VARCHAR(255) NOT NULL,
    task_group_id  VARCHAR(64)  COLLATE "C" NOT NULL,
    scheduler_id   VARCHAR(255),
    priority       INT          NOT NULL,
    state          VARCHAR(16)  NOT NULL,
    -- takenUntil of the latest run while it is running, else null: the claim-expiry job's key
    taken_until    TIMESTAMPTZ,
    deadline       TIMESTAMPTZ  NOT NULL,
    expires        TIMESTAMPTZ  NOT NULL,
    definition     TEXT         NOT NULL,
    status         TEXT         NOT NULL
);

CREATE INDEX tasks_group ON tasks (task_group_id, task_id);
CREATE INDEX tasks_taken_until ON tasks (taken_until) WHERE taken_until IS NOT NULL;
CREATE INDEX tasks_unresolved_deadline ON tasks (deadline) WHERE state IN ('unscheduled', 'pending', 'running');
CREATE INDEX tasks_expires ON tasks (expires);
CREATE INDEX tasks_running_per_queue ON tasks (task_queue_id) WHERE state = 'running';

-- Claimable runs: derived from each written status (latest run pending <=> one row here).
CREATE SEQUENCE pending_seq;

CREATE TABLE pending (
    task_id        VARCHAR(64)  COLLATE "C" PRIMARY KEY,
    run_id         INT          NOT NULL,
    task_queue_id  VARCHAR(255) NOT NULL,
    priority       INT          NOT NULL,
    seq            BIGINT       NOT NULL
);

-- The claim order: highest priority first, then first in.
CREATE INDEX pending_claim_order ON pending (task_queue_id, priority DESC, seq);

CREATE TABLE dependencies (
    required_task_id  VARCHAR(64) COLLATE "C" NOT NULL,
    dependent_task_id VARCHAR(64) COLLATE "C" NOT NULL,
    PRIMARY KEY (required_task_id, dependent_task_id)
);

CREATE INDEX dependencies_dependent ON dependencies (dependent_task_id);

CREATE TABLE artifacts (
    task_id       VARCHAR(64)   COLLATE "C" NOT NULL,
    run_id        INT           NOT NULL,
    name          VARCHAR(1024) COLLATE "C" NOT NULL,
    storage_type  VARCHAR(16)   NOT NULL,
    content_type  VARCHAR(255),
    expires       TIMESTAMPTZ   NOT NULL,
    present       BOOLEAN       NOT NULL,
    blob_key      VARCHAR(2048),
    details       TEXT,
    PRIMARY KEY (task_id, run_id, name)
);

CREATE INDEX artifacts_expires ON artifacts (expires);

CREATE TABLE clients (
    client_id            VARCHAR(255) COLLATE "C" PRIMARY KEY,
    description          TEXT,
    sealed_access_token  TEXT         NOT NULL,
    scopes               TEXT         NOT NULL,
    created              TIMESTAMPTZ  NOT NULL,
    last_modified        TIMESTAMPTZ  NOT NULL,
    last_date_used       TIMESTAMPTZ,
    last_rotated         TIMESTAMPTZ,
    expires              TIMESTAMPTZ  NOT NULL,
    disabled             BOOLEAN      NOT NULL,
    delete_on_expiration BOOLEAN      NOT NULL
);

CREATE TABLE roles (
    role_id        VARCHAR(255) COLLATE "C" PRIMARY KEY,
    description    TEXT,
    scopes         TEXT         NOT NULL,
    created        TIMESTAMPTZ  NOT NULL,
    last_modified  TIMESTAMPTZ  NOT NULL
);
