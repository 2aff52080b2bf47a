package dev.berth.worker.features.interactive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import dev.berth.worker.features.FeatureRun;
import dev.berth.worker.features.RunFeature;
import dev.berth.worker.features.TaskFeature;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker-worker's {@code interactive}: people holding the scope for it open shells in the task's container
 * through the server (the worker connects out; see the server's ShellRelay), while the task runs and for a
 * while after its command ended. Any task may enable it (docker-worker asked no scope).
 *
 * <p>Worker options: {@code features: {interactive: {keepAliveAfterExit: 3m, idleAfterSession: 15m}}}.
 */
public final class InteractiveFeature implements TaskFeature {

    public static final String KEY = "interactive";
    static final Duration DEFAULT_AFTER_EXIT = Duration.ofMinutes(3);
    static final Duration DEFAULT_IDLE_AFTER_SESSION = Duration.ofMinutes(15);

    private final Settings settings;

    /** How long a container is kept for shells. */
    public record Settings(Duration keepAliveAfterExit, Duration idleAfterSession) {}

    public InteractiveFeature(ObjectNode options) {
        this.settings = settings(options);
    }

    static Settings settings(ObjectNode options) {
        return new Settings(duration(options, "keepAliveAfterExit", DEFAULT_AFTER_EXIT),
                duration(options, "idleAfterSession", DEFAULT_IDLE_AFTER_SESSION));
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public RunFeature open(FeatureRun run) {
        return new InteractiveRun(run, settings);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    /** {@code 90} (seconds), {@code 90s}, {@code 3m}, {@code 1h}, {@code 500ms}. */
    static Duration duration(ObjectNode options, String name, Duration otherwise) {
        JsonNode v = options.get(name);
        if (v == null || v.isNull()) return otherwise;
        if (v.isIntegralNumber() && v.asLong() >= 0) return Duration.ofSeconds(v.asLong());
        Matcher m = DURATION.matcher(v.asText().trim());
        if (!v.isTextual() || !m.matches()) {
            throw BerthException.input("features.interactive." + name + " must be a duration such as 90s, 3m or 1h, not " + v);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
