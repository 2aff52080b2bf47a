-- A task group's own row: created by its first task, its expiry raised to the latest of its tasks', and sealed
-- once by sealTaskGroup, after which createTask refuses new members.
CREATE TABLE task_groups (
    task_group_id  VARCHAR(64)  PRIMARY KEY,
    scheduler_id   VARCHAR(255) NOT NULL,
    expires        TIMESTAMP WITH TIME ZONE NOT NULL,
    sealed         TIMESTAMP WITH TIME ZONE
);

CREATE INDEX task_groups_expires ON task_groups (expires);
