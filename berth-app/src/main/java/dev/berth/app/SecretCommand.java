package dev.berth.app;

import dev.berth.core.BerthException;
import dev.berth.worker.secrets.SecretEncryptor;
import dev.berth.worker.secrets.SecretMessage;
import dev.berth.worker.secrets.WorkerKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "secret", mixinStandardHelpOptions = true, description = "Secrets for tasks (encryptedEnv).",
        subcommands = {SecretCommand.Encrypt.class})
final class SecretCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "encrypt", mixinStandardHelpOptions = true,
            description = {"Print an encryptedEnv entry: the variable NAME=VALUE for one task, encrypted to a worker's "
                    + "public key (berth worker public-key prints it) and base64-encoded.",
                    "Put the line into the task's payload.encryptedEnv array; only that task can use it, and only "
                    + "within --valid-for from now (and from a minute ago, for clocks a little apart)."})
    static final class Encrypt implements Callable<Integer> {
        static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

        @Option(names = "--task-id", required = true, description = "The task the variable is for (its taskId).") String taskId;
        @Option(names = "--name", required = true, description = "The environment variable's name.") String name;
        @ArgGroup(exclusive = true, multiplicity = "1") Value value;
        @Option(names = "--valid-for", defaultValue = "1h",
                description = "How long from now the task may use it: 30m, 1h, 2d, or ISO-8601 (PT90M). Default: ${DEFAULT-VALUE}.")
        String validFor;
        @Option(names = "--key", required = true, description = "The worker's public key (ASCII-armoured or binary).") Path key;

        static final class Value {
            @Option(names = "--value", required = true, description = "The secret value (visible in your shell history; see --value-file).")
            String text;
            @Option(names = "--value-file", required = true, description = "Read the value from this file (- for standard input); "
                    + "one trailing newline is dropped.")
            Path file;
        }

        @Override
        public Integer call() throws IOException {
            byte[] keyBytes;
            try {
                keyBytes = Files.readAllBytes(key);
            } catch (IOException e) {
                throw BerthException.input("cannot read --key " + key + ": " + e.getMessage());
            }
            var ring = WorkerKey.readPublicKey(keyBytes);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            // valid from a minute ago: a worker whose clock is a little behind this machine's still takes it
            SecretMessage message = new SecretMessage(SecretMessage.VERSION, taskId, now.minus(CLOCK_SKEW),
                    now.plus(duration(validFor)), name, value());
            System.out.println(SecretEncryptor.encrypt(ring, message));
            return 0;
        }

        private String value() throws IOException {
            if (value.text != null) return value.text;
            String v = "-".equals(value.file.toString()) ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(value.file, StandardCharsets.UTF_8);
            if (v.endsWith("\r\n")) return v.substring(0, v.length() - 2);
            return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
        }
    }

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*([smhd])");

    /** {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT1H}); positive. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw BerthException.input("--valid-for must be a duration such as 30m, 1h, 2d or PT90M; got '" + text + "'");
            }
        }
        if (d.isZero() || d.isNegative()) throw BerthException.input("--valid-for must be positive; got '" + text + "'");
        return d;
    }
}
