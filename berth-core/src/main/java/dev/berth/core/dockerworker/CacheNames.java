package dev.berth.core.dockerworker;

import java.util.Optional;

/**
 * Which cache names a payload may use, as docker-worker allowed them: not empty, at most 256 characters,
 * no {@code /} (names end up in host paths and labels) and no {@code ::} (the separator of the scope's
 * task-queue form).
 */
public final class CacheNames {

    public static final int MAX_LENGTH = 256;

    private CacheNames() {}

    /** Why {@code name} is refused, or empty when it is fine. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) return Optional.of("a cache name must not be empty");
        if (name.length() > MAX_LENGTH) {
            return Optional.of("cache name is " + name.length() + " characters long, more than " + MAX_LENGTH);
        }
        if (name.contains("/")) return Optional.of("cache name '" + name + "' must not contain '/'");
        if (name.contains("::")) return Optional.of("cache name '" + name + "' must not contain '::'");
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) return Optional.of("cache name must not contain control characters");
        }
        return Optional.empty();
    }
}
