package dev.berth.store;

/**
 * The SQL on which PostgreSQL and H2 disagree. Everything else is shared, written in the subset both accept.
 */
public enum Dialect {

    POSTGRESQL("postgresql",
            "INSERT INTO tasks (task_id, task_queue_id, task_group_id, scheduler_id, priority, state, taken_until,"
                    + " deadline, expires, definition, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (task_id) DO NOTHING",
            "INSERT INTO dependencies (required_task_id, dependent_task_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            // A new run replaces whatever entry the task had, and goes to the back of its priority.
            "INSERT INTO pending (task_id, run_id, task_queue_id, priority, seq)"
                    + " VALUES (?, ?, ?, ?, nextval('pending_seq'))"
                    + " ON CONFLICT (task_id) DO UPDATE SET run_id = EXCLUDED.run_id,"
                    + " task_queue_id = EXCLUDED.task_queue_id, priority = EXCLUDED.priority, seq = EXCLUDED.seq"),

    H2("h2",
            "INSERT INTO tasks (task_id, task_queue_id, task_group_id, scheduler_id, priority, state, taken_until,"
                    + " deadline, expires, definition, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "MERGE INTO dependencies (required_task_id, dependent_task_id) KEY (required_task_id, dependent_task_id)"
                    + " VALUES (?, ?)",
            "MERGE INTO pending (task_id, run_id, task_queue_id, priority, seq) KEY (task_id)"
                    + " VALUES (?, ?, ?, ?, NEXT VALUE FOR pending_seq)");

    /** Folder under db/migration holding this dialect's Flyway scripts. */
    final String migrations;
    /** Inserts a task; on PostgreSQL an existing id yields 0 rows, on H2 a unique violation. */
    final String insertTask;
    final String insertDependency;
    final String upsertPending;

    Dialect(String migrations, String insertTask, String insertDependency, String upsertPending) {
        this.migrations = migrations;
        this.insertTask = insertTask;
        this.insertDependency = insertDependency;
        this.upsertPending = upsertPending;
    }

    public static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRESQL;
        if (jdbcUrl.startsWith("jdbc:h2:")) return H2;
        throw new IllegalArgumentException("unsupported database URL '" + jdbcUrl
                + "': expected jdbc:postgresql://... or jdbc:h2:file:...");
    }
}
