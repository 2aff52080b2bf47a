package dev.berth.it.life;

import static dev.berth.it.life.LifeSupport.LABEL_WORKER_ID;
import static dev.berth.it.life.LifeSupport.describe;
import static dev.berth.it.life.LifeSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.Slugid;
import dev.berth.core.task.ReasonResolved;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import dev.berth.it.life.LifeSupport.BerthProcess;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seed 002's service proxies as a worker's configuration names them ({@code balrogVPNProxy}, {@code relengAPIProxy},
 * {@code testdroidProxy}), against an upstream the test serves on 127.0.0.1: {@code berth worker} (holding only a
 * deployed worker's scopes) forwards the task's requests with the configured credentials, which the task never sees.
 */
class ServiceProxyIT extends DeployedFixture {

    private static final String PREFIX = "docker-worker:relengapi-proxy:";

    private HttpServer upstream;
    private final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    private BerthProcess worker;
    private String workerId;

    ServiceProxyIT() {
        super("svcproxy");
    }

    @AfterEach
    void stopWorkerAndUpstream() {
        if (worker != null) worker.stop(Duration.ofSeconds(40));
        if (workerId != null) LifeSupport.removeContainersOn(null, LABEL_WORKER_ID, workerId);
        if (upstream != null) upstream.stop(0);
    }

    private void startUpstream() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        upstream.createContext("/", exchange -> {
            try (exchange) {
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                String permissions = exchange.getRequestHeaders().getFirst("X-Relengapi-Permissions");
                seen.add(Map.of("path", exchange.getRequestURI().getRawPath(), "authorization", String.valueOf(auth),
                        "permissions", String.valueOf(permissions)));
                // never echoes the credentials, so the task's log shows only whether they came
                byte[] body = ("upstream saw " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                        + " credentials=" + (auth != null && auth.endsWith("-secret") ? "yes" : "no")
                        + " permissions=" + permissions + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        upstream.start();
    }

    private void startWorkerWithServices(ServerProcess server) throws Exception {
        String up = "http://127.0.0.1:" + upstream.getAddress().getPort();
        Path config = dir.resolve("worker.yml");
        Files.writeString(config, """
                features:
                  balrogVPNProxy:
                    alias: balrog
                    upstream: %1$s
                    headers: {Authorization: "Bearer balrog-secret"}
                    scope: docker-worker:feature:balrogVPNProxy
                  relengAPIProxy:
                    alias: relengapi
                    upstream: %1$s/releng
                    headers: {Authorization: "Bearer releng-secret"}
                    permissionScopePrefix: "%2$s"
                    permissions: [tooltool.download.public, tooltool.download.internal]
                    permissionsHeader: X-Relengapi-Permissions
                  testdroidProxy:
                    alias: testdroid
                    upstream: %1$s/testdroid
                """.formatted(up, PREFIX));
        workerId = workerId("w");
        Credentials creds = createWorkerClient(server.rootClient(), workerId);
        Map<String, String> env = LifeSupport.workerEnv(server.rootUrl(), creds, dir.resolve("worker-" + workerId),
                taskQueueId, LifeSupport.WORKER_GROUP, workerId, 2);
        // an operator's switch: this worker offers its services but not taskclusterProxy
        env.put("BERTH_WORKER_FEATURES_OFF", "taskclusterProxy");
        worker = new BerthProcess(LifeSupport.berth(dir, env, "worker", "--config", config.toString()),
                LifeSupport.logFile("worker-" + workerId));
    }

    private String create(BerthClient root, String feature, String script, String... scopes) {
        String taskId = Slugid.nice();
        ObjectNode task = shellTask(script, 60);
        ((ObjectNode) task.get("payload")).putObject("features").put(feature, true);
        if (scopes.length > 0) {
            var list = task.putArray("scopes");
            for (String s : scopes) list.add(s);
        }
        root.queue().createTask(taskId, task);
        return taskId;
    }

    @Test
    void tasksReachTheConfiguredServicesWithTheWorkersCredentialsOnlyWithTheScopesTheyHold() throws Exception {
        startUpstream();
        ServerProcess server = startServer(Map.of());
        BerthClient root = server.rootClient();
        startWorkerWithServices(server);

        String balrog = create(root, "balrogVPNProxy",
                "wget -qO- http://balrog/api/v1/releases/Firefox; env | grep -i -e secret -e balrog || echo 'env: nothing'",
                "docker-worker:feature:balrogVPNProxy");
        String balrogWithoutScope = create(root, "balrogVPNProxy", "wget -qO- http://balrog/api/v1/releases/Firefox");
        String releng = create(root, "relengAPIProxy", "wget -qO- 'http://relengapi/tooltool/sha512/abc?x=1'",
                PREFIX + "tooltool.download.public", PREFIX + "tooltool.*", PREFIX + "tooltool.upload");
        String relengWildcardOnly = create(root, "relengAPIProxy", "wget -qO- http://relengapi/tooltool/sha512/abc",
                PREFIX + "*");
        String testdroid = create(root, "testdroidProxy", "wget -qO- http://testdroid/devices");
        String switchedOff = create(root, "taskclusterProxy", "wget -qO- http://taskcluster/api/queue/v1/task/$TASK_ID");
        String notConfigured = create(root, "otherServiceProxy", "wget -qO- http://other/");

        Duration wait = Duration.ofSeconds(120);
        TaskStatus s = TaskclusterProxyIT.awaitResolved(root, balrog, worker, wait);
        String log = TaskclusterProxyIT.log(root, balrog);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        assertThat(log).contains("upstream saw GET /api/v1/releases/Firefox credentials=yes permissions=null")
                .contains("env: nothing").doesNotContain("balrog-secret");
        assertThat(seen).anySatisfy(r -> {
            assertThat(r).containsEntry("path", "/api/v1/releases/Firefox");
            assertThat(r).containsEntry("authorization", "Bearer balrog-secret");
        });

        s = TaskclusterProxyIT.awaitResolved(root, balrogWithoutScope, worker, wait);
        log = TaskclusterProxyIT.log(root, balrogWithoutScope);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.EXCEPTION);
        assertThat(run(s, 0).reasonResolved()).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(log).contains("docker-worker:feature:balrogVPNProxy");

        s = TaskclusterProxyIT.awaitResolved(root, releng, worker, wait);
        log = TaskclusterProxyIT.log(root, releng);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        assertThat(log).contains("upstream saw GET /releng/tooltool/sha512/abc?x=1 credentials=yes "
                + "permissions=tooltool.download.public").doesNotContain("releng-secret");

        s = TaskclusterProxyIT.awaitResolved(root, relengWildcardOnly, worker, wait);
        log = TaskclusterProxyIT.log(root, relengWildcardOnly);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.EXCEPTION);
        assertThat(run(s, 0).reasonResolved()).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(log).contains(PREFIX + "<permission>");

        s = TaskclusterProxyIT.awaitResolved(root, testdroid, worker, wait);
        log = TaskclusterProxyIT.log(root, testdroid);
        assertThat(s.state()).as(describe(s) + "\n" + log).isEqualTo(TaskState.COMPLETED);
        assertThat(log).contains("upstream saw GET /testdroid/devices credentials=no");

        s = TaskclusterProxyIT.awaitResolved(root, switchedOff, worker, wait);
        log = TaskclusterProxyIT.log(root, switchedOff);
        assertThat(run(s, 0).reasonResolved()).as(describe(s) + "\n" + log).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        assertThat(log).contains("features.taskclusterProxy: switched off on this worker");
        s = TaskclusterProxyIT.awaitResolved(root, notConfigured, worker, wait);
        log = TaskclusterProxyIT.log(root, notConfigured);
        assertThat(run(s, 0).reasonResolved()).as(describe(s) + "\n" + log).isEqualTo(ReasonResolved.MALFORMED_PAYLOAD);
        // the worker names what it has: the configured services among its other features
        String has = log.substring(log.indexOf("features.otherServiceProxy: no such feature on this worker (it has: "));
        assertThat(has.substring(0, has.indexOf(')'))).contains("balrogVPNProxy").contains("relengAPIProxy")
                .contains("testdroidProxy").doesNotContain("otherServiceProxy, ").doesNotContain("taskclusterProxy");

        assertThat(seen).as("the refused tasks never reached the upstream").hasSize(3);
        assertThat(worker.output()).doesNotContain("balrog-secret").doesNotContain("releng-secret");
    }
}
