package dev.berth.worker.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code gpg} (GnuPG, installed by scripts/test.sh) in a temporary GNUPGHOME, to make
 * encryptedEnv entries the way a task author without Berth's CLI would.
 */
public final class GnuPg {

    private final Path home;

    public GnuPg(Path dir) throws IOException {
        this.home = Files.createDirectories(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * {@code gpg --encrypt --recipient-file <publicKey>} of {@code clear}, base64-encoded as a payload entry.
     *
     * @param armor whether gpg writes ASCII armour ({@code --armor}) rather than binary packets
     */
    public String encryptedEnvEntry(String armoredPublicKey, String clear, boolean armor) throws IOException, InterruptedException {
        Path key = home.resolve("worker.pub");
        Files.writeString(key, armoredPublicKey, StandardCharsets.US_ASCII);
        Path in = home.resolve("message.json");
        Files.writeString(in, clear, StandardCharsets.UTF_8);
        Path out = home.resolve(armor ? "message.asc" : "message.gpg");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--batch", "--yes", "--quiet",
                "--no-tty", "--encrypt", "--recipient-file", key.toString(), "--output", out.toString()));
        if (armor) cmd.add("--armor");
        cmd.add(in.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gpg failed (is gnupg installed? scripts/test.sh installs it): " + output);
        }
        Files.delete(in);
        return Base64.getEncoder().encodeToString(Files.readAllBytes(out));
    }

    /** The message JSON as docker-worker's documentation shows it, written by hand. */
    public static String messageJson(String taskId, long startMillis, long endMillis, String name, String value) {
        return "{\n  \"messageVersion\": 1,\n  \"taskId\": \"" + taskId + "\",\n  \"startTime\": " + startMillis
                + ",\n  \"endTime\": " + endMillis + ",\n  \"name\": \"" + name + "\",\n  \"value\": \"" + value + "\"\n}\n";
    }
}
