package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.json.Json;
import dev.berth.server.BerthServer;
import dev.berth.server.ServerConfig;
import dev.berth.testing.SignedHttp;
import dev.berth.testing.TaskFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * With the distribution's logback.xml and every logger (Berth's, Jetty's, Javalin's, ...) at DEBUG, a request
 * flow that carries every kind of credential — a new client's token, the root token, claimWork's temporary
 * credentials, Hawk headers signed with them, upload URLs — leaves none of them in stderr or the server log.
 */
class LogRedactionIT {

    @TempDir
    Path dataDir;

    @Test
    void noAccessTokenOrRunCredentialReachesTheLogsEvenAtDebug() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL production = LogRedactionIT.class.getClassLoader().getResource("logback.xml");
        assertThat(production).as("berth-app's logback.xml on the class path").isNotNull();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> secrets = new ArrayList<>();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            context.reset();
            context.putProperty("BERTH_LOG_LEVEL", "DEBUG");
            JoranConfigurator joran = new JoranConfigurator();
            joran.setContext(context);
            joran.doConfigure(production);
            context.getLoggerList().forEach(l -> l.setLevel(Level.DEBUG));

            try (BerthServer server = BerthServer.start(ServerConfig.load(null, Map.of("BERTH_PORT", "0",
                    "BERTH_DATA_DIR", dataDir.toString(), "BERTH_BIND_HOST", "127.0.0.1")), Clock.systemUTC())) {
                secrets.add(server.rootAccessToken());
                flow(server, secrets);
            }
        } finally {
            System.setErr(originalErr);
            context.reset();
            new ContextInitializer(context).autoConfig();
        }
        String stderr = captured.toString(StandardCharsets.UTF_8);
        String logFile = Files.readString(dataDir.resolve("server.log"));
        // the capture is real: DEBUG lines of the HTTP server and of the requests made
        assertThat(stderr).contains(" DEBUG ").contains("org.eclipse.jetty").contains("claim-work");
        assertThat(logFile).contains(" DEBUG ").contains("claim-work");
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(5).allSatisfy(s -> assertThat(s).hasSizeGreaterThanOrEqualTo(16));
        for (String secret : secrets) {
            assertThat(stderr).as("stderr").doesNotContain(secret);
            assertThat(logFile).as("server.log").doesNotContain(secret);
        }
    }

    /** Creates a client, claims a task and works its run with the run's credentials; collects every secret seen. */
    private static void flow(BerthServer server, List<String> secrets) {
        SignedHttp root = SignedHttp.signed(server.rootUrl(), server.rootClientId(), server.rootAccessToken());
        String clientId = "log-test/" + TaskFixtures.slugId();
        String queue = TaskFixtures.uniqueQueue();
        ObjectNode client = Json.MAPPER.createObjectNode().put("description", "worker")
                .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.DAYS)));
        client.putArray("scopes").add("queue:claim-work:" + queue).add("queue:worker-id:g/*");
        SignedHttp.Response created = root.put("/api/auth/v1/clients/" + clientId, client);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        String clientToken = created.json().get("accessToken").asText();
        secrets.add(clientToken);
        SignedHttp worker = SignedHttp.signed(server.rootUrl(), clientId, clientToken);
        SignedHttp.Response reset = root.post("/api/auth/v1/clients/" + clientId + "/reset", null);
        secrets.add(reset.json().get("accessToken").asText());
        worker = SignedHttp.signed(server.rootUrl(), clientId, reset.json().get("accessToken").asText());

        String taskId = TaskFixtures.slugId();
        assertThat(root.put("/api/queue/v1/task/" + taskId, ItSupport.taskBody(queue)).status()).isEqualTo(200);
        ObjectNode claim = Json.MAPPER.createObjectNode().put("workerGroup", "g").put("workerId", "w1").put("tasks", 1);
        SignedHttp.Response claimed = worker.post("/api/queue/v1/claim-work/" + queue, claim);
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        JsonNode creds = claimed.json().get("tasks").get(0).get("credentials");
        secrets.add(creds.get("accessToken").asText());
        SignedHttp run = SignedHttp.temporary(server.rootUrl(), creds);

        String runPath = "/api/queue/v1/task/" + taskId + "/runs/0";
        SignedHttp.Response reclaimed = run.post(runPath + "/reclaim", null);
        assertThat(reclaimed.status()).as(reclaimed.toString()).isEqualTo(200);
        secrets.add(reclaimed.json().get("credentials").get("accessToken").asText());
        ObjectNode artifact = Json.MAPPER.createObjectNode().put("storageType", "s3").put("contentType", "text/plain")
                .put("expires", Json.format(Instant.now().plus(1, ChronoUnit.HOURS)));
        String putUrl = run.post(runPath + "/artifacts/public/logs/live.log", artifact).json().get("putUrl").asText();
        String uploadToken = putUrl.substring(putUrl.indexOf("token=") + "token=".length());
        secrets.add(uploadToken.substring(uploadToken.indexOf('.') + 1));
        assertThat(run.send("POST", putUrl, "a log line\n".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of()).status()).isEqualTo(200);
        // a request whose signature is wrong is logged somewhere too (401)
        assertThat(SignedHttp.signed(server.rootUrl(), clientId, "x" + clientToken).get("/api/auth/v1/scopes/current").status()).isEqualTo(401);
        assertThat(run.post(runPath + "/completed", null).status()).isEqualTo(200);
        assertThat(root.get(runPath + "/artifacts/public/logs/live.log").text()).isEqualTo("a log line\n");
    }
}
