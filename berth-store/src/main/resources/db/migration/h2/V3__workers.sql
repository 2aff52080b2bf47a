-- Task queues, provisioners and workers as the queue sees them (claims, created tasks) and as they are declared.
-- H2 compares strings by code unit, like Java; JSON lives in VARCHAR (see V1).

CREATE TABLE task_queues (
    task_queue_id     VARCHAR(255) PRIMARY KEY,
    provisioner_id    VARCHAR(64)  NOT NULL,
    description        VARCHAR       NOT NULL,
    stability         VARCHAR(16)  NOT NULL,
    expires           TIMESTAMP WITH TIME ZONE  NOT NULL,
    last_date_active  TIMESTAMP WITH TIME ZONE  NOT NULL
);

CREATE INDEX task_queues_provisioner ON task_queues (provisioner_id, task_queue_id);
CREATE INDEX task_queues_expires ON task_queues (expires);

CREATE TABLE provisioners (
    provisioner_id    VARCHAR(64)  PRIMARY KEY,
    description        VARCHAR       NOT NULL,
    stability         VARCHAR(16)  NOT NULL,
    -- declared actions, a JSON array
    actions            VARCHAR       NOT NULL,
    expires           TIMESTAMP WITH TIME ZONE  NOT NULL,
    last_date_active  TIMESTAMP WITH TIME ZONE  NOT NULL
);

CREATE INDEX provisioners_expires ON provisioners (expires);

CREATE TABLE queue_workers (
    task_queue_id       VARCHAR(255) NOT NULL,
    worker_group        VARCHAR(64)  NOT NULL,
    worker_id           VARCHAR(64)  NOT NULL,
    -- null: never quarantined
    quarantine_until    TIMESTAMP WITH TIME ZONE,
    -- JSON arrays: every quarantine change; the last runs claimed
    quarantine_details   VARCHAR       NOT NULL,
    recent_tasks         VARCHAR       NOT NULL,
    expires             TIMESTAMP WITH TIME ZONE  NOT NULL,
    first_claim         TIMESTAMP WITH TIME ZONE  NOT NULL,
    last_date_active    TIMESTAMP WITH TIME ZONE  NOT NULL,
    PRIMARY KEY (task_queue_id, worker_group, worker_id)
);

CREATE INDEX queue_workers_expires ON queue_workers (expires);
