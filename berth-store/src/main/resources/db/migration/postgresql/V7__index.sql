-- The index service: tasks found again by dot-separated paths. A path is stored as its parent namespace and
-- its last segment, so that a namespace's children are one range of the primary key.
CREATE TABLE indexed_tasks (
    namespace  VARCHAR(255) COLLATE "C" NOT NULL,
    name       VARCHAR(255) COLLATE "C" NOT NULL,
    task_id    VARCHAR(64)  NOT NULL,
    task_rank  BIGINT       NOT NULL,
    data       TEXT         NOT NULL,
    expires    TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (namespace, name)
);

CREATE INDEX indexed_tasks_expires ON indexed_tasks (expires);

CREATE TABLE index_namespaces (
    parent   VARCHAR(255) COLLATE "C" NOT NULL,
    name     VARCHAR(255) COLLATE "C" NOT NULL,
    expires  TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (parent, name)
);

CREATE INDEX index_namespaces_expires ON index_namespaces (expires);

-- Completed tasks with index routes not yet indexed: written in the transaction that completes the task,
-- removed once its entries are written, so a server dying in between loses no entry.
CREATE TABLE index_outbox (
    task_id  VARCHAR(64) COLLATE "C" PRIMARY KEY,
    seq      BIGSERIAL   NOT NULL
);
