package dev.berth.store;

/**
 * The databases Berth runs on. Each has its own Flyway scripts and its own {@link DatabaseCustomization};
 * everything else is shared, written in the SQL subset both accept.
 */
public enum Dialect {

    POSTGRESQL("postgresql"),
    H2("h2");

    /** Folder under db/migration holding this dialect's Flyway scripts. */
    final String migrations;

    Dialect(String migrations) {
        this.migrations = migrations;
    }

    /** A fresh customization for one store (it may hold per-store state, e.g. H2's claim lock). */
    DatabaseCustomization customization() {
        return switch (this) {
            case POSTGRESQL -> new PostgreSqlCustomization();
            case H2 -> new H2Customization();
        };
    }

    public static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRESQL;
        if (jdbcUrl.startsWith("jdbc:h2:")) return H2;
        throw new IllegalArgumentException("unsupported database URL '" + jdbcUrl
                + "': expected jdbc:postgresql://... or jdbc:h2:file:...");
    }
}
