package dev.berth.store;

class PostgresAuditHistoryIT extends JdbcAuditHistoryContract {

    private PostgresDatabase database;

    @Override
    protected Storage openStorage() {
        database = PostgresDatabase.create();
        return Storage.open(database.url(), null, null);
    }

    @Override
    protected void afterClose() throws Exception {
        if (database != null) database.close();
    }
}
