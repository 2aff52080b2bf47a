package dev.berth.worker.features.ptrace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The host's AppArmor, as far as allowPtrace needs it: whether it confines containers here, and loading and
 * removing a profile with {@code apparmor_parser}. Active means the kernel module says {@code Y} and the
 * parser is installed; Docker then confines every container (profile {@code docker-default}) unless told
 * another profile.
 */
public class AppArmor {

    static final Path ENABLED = Path.of("/sys/module/apparmor/parameters/enabled");
    static final List<Path> PARSERS = List.of(Path.of("/sbin/apparmor_parser"), Path.of("/usr/sbin/apparmor_parser"));

    private final Path enabled;
    private final List<Path> parsers;
    private final Path profileDir;

    /** The host's: the kernel's switch, the parser where Debian puts it, profiles written under {@code profileDir}. */
    public AppArmor(Path profileDir) {
        this(ENABLED, PARSERS, profileDir);
    }

    AppArmor(Path enabled, List<Path> parsers, Path profileDir) {
        this.enabled = enabled;
        this.parsers = List.copyOf(parsers);
        this.profileDir = profileDir;
    }

    /** Whether the kernel enforces AppArmor ({@code Y} in {@code /sys/module/apparmor/parameters/enabled}). */
    public boolean kernelEnabled() {
        try {
            return Files.isReadable(enabled) && Files.readString(enabled).trim().startsWith("Y");
        } catch (IOException e) {
            return false;
        }
    }

    /** The {@code apparmor_parser} to load profiles with, if installed. */
    public Optional<Path> parser() {
        return parsers.stream().filter(Files::isExecutable).findFirst();
    }

    /** Whether containers are confined by AppArmor here, so allowPtrace needs a profile of its own. */
    public boolean active() {
        return kernelEnabled() && parser().isPresent();
    }

    /** A short account of why AppArmor does or does not matter on this host (for the logs). */
    public String describe() {
        if (!kernelEnabled()) return "AppArmor is not active on this host (" + enabled + " is not Y)";
        if (parser().isEmpty()) return "the kernel has AppArmor but apparmor_parser is not installed";
        return "AppArmor is active on this host";
    }

    /** Writes and loads (or replaces) the profile; returns its file, which {@link #remove} needs. */
    public Path load(String name, String text) throws IOException, InterruptedException {
        Files.createDirectories(profileDir);
        Path file = profileDir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        run(List.of(parser().orElseThrow(() -> new IOException("apparmor_parser is not installed")).toString(), "-r",
                file.toString()), "loading AppArmor profile " + name);
        return file;
    }

    /** Unloads the profile written to {@code file} and deletes the file. */
    public void remove(Path file) throws IOException, InterruptedException {
        try {
            run(List.of(parser().orElseThrow(() -> new IOException("apparmor_parser is not installed")).toString(), "-R",
                    file.toString()), "removing AppArmor profile " + file.getFileName());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void run(List<String> command, String doing) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(doing + ": apparmor_parser did not finish within 30s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) throw new IOException(doing + ": apparmor_parser exited " + p.exitValue() + ": " + out);
    }
}
