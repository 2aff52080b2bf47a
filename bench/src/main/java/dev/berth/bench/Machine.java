package dev.berth.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** The machine a benchmark ran on: CPU model, cores, memory, kernel, Docker version, JDK. */
final class Machine {

    private Machine() {}

    static String describe() {
        String cpu = grep(Path.of("/proc/cpuinfo"), "model name");
        String mem = grep(Path.of("/proc/meminfo"), "MemTotal");
        String memory = mem == null ? "?" : String.format(Locale.ROOT, "%.1f GiB",
                Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
        String os = firstLine(List.of("sh", "-c", ". /etc/os-release && echo \"$PRETTY_NAME\""));
        return "machine: " + (cpu == null ? System.getProperty("os.arch") : cpu)
                + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + memory + " memory\n"
                + "os: " + os + ", kernel " + System.getProperty("os.version") + "\n"
                + "docker: " + firstLine(List.of("docker", "version", "--format", "engine {{.Server.Version}}, client {{.Client.Version}}")) + "\n"
                + "jdk: " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version");
    }

    private static String grep(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static String firstLine(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(30, TimeUnit.SECONDS);
            int nl = out.indexOf('\n');
            return nl < 0 ? out : out.substring(0, nl);
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
