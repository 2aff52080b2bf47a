package dev.berth.store;

import dev.berth.core.BerthException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** A database failure. Lost or refused connections map to UNAVAILABLE (a caller may retry), the rest to INTERNAL. */
public final class StoreException extends BerthException {

    StoreException(String operation, SQLException cause) {
        super(kindOf(cause), "database error during " + operation + ": " + cause.getMessage()
                + (cause.getSQLState() != null ? " (SQLState " + cause.getSQLState() + ")" : ""), cause);
    }

    private static Kind kindOf(SQLException e) {
        String state = e.getSQLState();
        boolean connection = e instanceof SQLTransientConnectionException || (state != null && state.startsWith("08"));
        return connection ? Kind.UNAVAILABLE : Kind.INTERNAL;
    }
}
