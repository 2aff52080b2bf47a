-- Whether any task depends on the given one, read with a snapshot of its own: PL/pgSQL and VOLATILE, so that
-- (in READ COMMITTED) its query sees every edge committed before it runs, not only those committed before the
-- statement calling it started. A resolving UPDATE ... RETURNING berth_has_dependents(task_id) thus reads the
-- edges after it has locked and written the task's row, in one autocommit statement (JdbcTaskStore.modify).
CREATE FUNCTION berth_has_dependents(required VARCHAR) RETURNS BOOLEAN
    LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM dependencies WHERE required_task_id = required);
END
$$;
