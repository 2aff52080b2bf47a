package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.json.Json;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code berth server} (or {@code berth dev}) as its own JVM, the way the README runs it: a fixed port on
 * 127.0.0.1, a data directory, optionally PostgreSQL and a claim timeout. It can be killed (SIGKILL),
 * paused (SIGSTOP/SIGCONT) and started again on the same port, data directory and database; the root
 * credentials are read from the {@code root-credentials.json} it writes, as an operator would.
 */
final class ServerProcess implements AutoCloseable {

    private final String command;
    private final Path workDir;
    private final Map<String, String> env;
    private final String name;
    private final int port;
    private BerthProcess process;
    private int starts;

    /**
     * @param command {@code server} or {@code dev}
     * @param extraEnv settings beyond port, bind host and data directory (database URL, claim timeout, worker settings)
     */
    ServerProcess(String command, Path workDir, String name, Map<String, String> extraEnv) {
        this.command = command;
        this.workDir = workDir;
        this.name = name;
        this.port = freePort();
        this.env = new HashMap<>(extraEnv);
        env.put("BERTH_PORT", String.valueOf(port));
        env.put("BERTH_BIND_HOST", "127.0.0.1");
        env.putIfAbsent("BERTH_DATA_DIR", workDir.resolve(name + "-data").toString());
    }

    String rootUrl() {
        return "http://localhost:" + port;
    }

    Path dataDir() {
        return Path.of(env.get("BERTH_DATA_DIR"));
    }

    BerthProcess process() {
        return process;
    }

    /** Starts the process and waits until {@code /healthz} answers (fails with its output when it does not). */
    ServerProcess start() {
        assertThat(process == null || !process.process.isAlive()).as("%s already runs", name).isTrue();
        starts++;
        process = new BerthProcess(LifeSupport.berth(workDir, env, command), LifeSupport.logFile(name + "-" + starts));
        BerthProcess p = process;
        await(name + " answers /healthz").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(p.process.isAlive()).as("%s process alive; output:\n%s", name, p.output()).isTrue();
                    assertThat(healthy()).as("%s healthy", name).isTrue();
                });
        return this;
    }

    /** Whether {@code /healthz} answers 200 within a second. */
    boolean healthy() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(rootUrl() + "/healthz")).timeout(Duration.ofSeconds(1)).build();
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The root credentials the server wrote to its data directory. */
    Credentials rootCredentials() {
        Path file = dataDir().resolve("root-credentials.json");
        try {
            JsonNode json = Json.MAPPER.readTree(Files.readString(file));
            JsonNode creds = json.has("credentials") ? json.get("credentials") : json;
            return new Credentials(creds.get("clientId").asText(), creds.get("accessToken").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    BerthClient rootClient() {
        return new BerthClient(rootUrl(), rootCredentials());
    }

    /** SIGKILL: no shutdown hook, no graceful stop of connections. */
    void kill9() {
        process.kill9();
    }

    /** SIGSTOP: the port still accepts connections (the kernel's backlog) but nothing answers. */
    void pause() {
        process.signal("STOP");
    }

    void resume() {
        process.signal("CONT");
    }

    /** Everything the process printed, over all its starts so far (the last start's log). */
    String output() {
        return process == null ? "" : process.output();
    }

    @Override
    public void close() {
        if (process != null) {
            if (process.process.isAlive()) {
                process.signal("CONT"); // a paused JVM cannot run its shutdown hook
            }
            process.stop(Duration.ofSeconds(40));
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
