-- Groups whose tasks were created before task_groups existed (V2) get their row: the first scheduler id of
-- their tasks and an expiry past the latest of them, open. Nothing to do on a database created since.
INSERT INTO task_groups (task_group_id, scheduler_id, expires, sealed)
SELECT t.task_group_id, MIN(COALESCE(t.scheduler_id, '-')), MAX(t.expires), NULL
FROM tasks t
WHERE NOT EXISTS (SELECT 1 FROM task_groups g WHERE g.task_group_id = t.task_group_id)
GROUP BY t.task_group_id;
