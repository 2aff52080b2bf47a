package dev.berth.core.workers;

import dev.berth.core.BerthException;
import java.util.List;

/** The stabilities a provisioner or task queue may declare; a new one is {@link #DEFAULT}. */
public final class Stability {

    public static final List<String> VALUES = List.of("experimental", "stable", "deprecated");
    public static final String DEFAULT = "experimental";

    private Stability() {}

    /** The value unchanged, or null for null; anything else is refused naming the allowed values. */
    public static String check(String stability) {
        if (stability != null && !VALUES.contains(stability)) {
            throw BerthException.input("stability must be one of " + String.join(", ", VALUES) + "; got '" + stability + "'");
        }
        return stability;
    }
}
