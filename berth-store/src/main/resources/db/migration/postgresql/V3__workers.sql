-- Task queues, provisioners and workers as the queue sees them (claims, created tasks) and as they are declared.
-- Keys use the C collation so that ORDER BY and the continuation predicates agree with Java's String order.

CREATE TABLE task_queues (
    task_queue_id     VARCHAR(255) COLLATE "C" PRIMARY KEY,
    provisioner_id    VARCHAR(64)  COLLATE "C" NOT NULL,
    description       TEXT         NOT NULL,
    stability         VARCHAR(16)  NOT NULL,
    expires           TIMESTAMPTZ  NOT NULL,
    last_date_active  TIMESTAMPTZ  NOT NULL
);

CREATE INDEX task_queues_provisioner ON task_queues (provisioner_id, task_queue_id);
CREATE INDEX task_queues_expires ON task_queues (expires);

CREATE TABLE provisioners (
    provisioner_id    VARCHAR(64)  COLLATE "C" PRIMARY KEY,
    description       TEXT         NOT NULL,
    stability         VARCHAR(16)  NOT NULL,
    -- declared actions, a JSON array
    actions           TEXT         NOT NULL,
    expires           TIMESTAMPTZ  NOT NULL,
    last_date_active  TIMESTAMPTZ  NOT NULL
);

CREATE INDEX provisioners_expires ON provisioners (expires);

CREATE TABLE queue_workers (
    task_queue_id       VARCHAR(255) COLLATE "C" NOT NULL,
    worker_group        VARCHAR(64)  COLLATE "C" NOT NULL,
    worker_id           VARCHAR(64)  COLLATE "C" NOT NULL,
    -- null: never quarantined
    quarantine_until    TIMESTAMPTZ,
    -- JSON arrays: every quarantine change; the last runs claimed
    quarantine_details  TEXT         NOT NULL,
    recent_tasks        TEXT         NOT NULL,
    expires             TIMESTAMPTZ  NOT NULL,
    first_claim         TIMESTAMPTZ  NOT NULL,
    last_date_active    TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (task_queue_id, worker_group, worker_id)
);

CREATE INDEX queue_workers_expires ON queue_workers (expires);
