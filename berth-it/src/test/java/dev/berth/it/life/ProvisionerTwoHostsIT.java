package dev.berth.it.life;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.app.provisioner.Provisioner;
import dev.berth.app.provisioner.ProvisionerSettings;
import dev.berth.client.BerthApiException;
import dev.berth.core.task.TaskState;
import dev.berth.core.task.TaskStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pool on two Docker hosts: the shared engine's unix socket and a private engine reached over TCP with TLS
 * (scripts/test-dockerd.sh with BERTH_TEST_DOCKERD_TLS_PORT: its own CA, server and client certificates). The
 * private engine starts empty: the worker image and the task image are loaded into it (docker save | load).
 * The pool's workers use the host's network, so the worker on the private engine reaches the server and its
 * engine's TLS port on this machine's addresses.
 */
class ProvisionerTwoHostsIT extends ProvisionerFixture {

    // short: dockerd keeps containerd's sockets under it (unix socket paths are at most 108 bytes)
    private static final String DIR = "/tmp/berth-tls-dockerd";
    private static final String PRIVATE_SOCKET = "unix://" + DIR + "/docker.sock";
    private static int tlsPort;

    @BeforeAll
    static void privateEngineOverTls() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            tlsPort = s.getLocalPort();
        }
        Instant t0 = Instant.now();
        LifeSupport.Result r = testDockerd("start", workerImage, LifeSupport.IMAGE);
        assertThat(r.exitCode()).as("scripts/test-dockerd.sh start with TLS (needs root): %s", r).isZero();
        System.out.printf("[figures] private engine over TLS started and %s, %s loaded in %d ms%n", workerImage, LifeSupport.IMAGE,
                Duration.between(t0, Instant.now()).toMillis());
    }

    @AfterAll
    static void stopPrivateEngine() {
        if (workerImage != null) LifeSupport.dockerOn(PRIVATE_SOCKET, "rmi", "-f", workerImage);
        testDockerd("stop");
    }

    private static LifeSupport.Result testDockerd(String... args) {
        ProcessBuilder pb = new ProcessBuilder("bash", PROJECT.resolve("scripts/test-dockerd.sh").toString());
        pb.command().addAll(List.of(args));
        // an engine of its own beside DockerEngineRestartIT's: directory, bridge and range
        pb.environment().put("BERTH_TEST_DOCKERD_DIR", DIR);
        pb.environment().put("BERTH_TEST_DOCKERD_BRIDGE", "berthtls0");
        pb.environment().put("BERTH_TEST_DOCKERD_CIDR", "10.213.78.1/24");
        pb.environment().put("BERTH_TEST_DOCKERD_TLS_PORT", String.valueOf(tlsPort));
        return LifeSupport.run(pb, Duration.ofMinutes(3));
    }

    @Test
    void minCapacityTwoPutsOneWorkerOnEachHostAndBothRunTasks() throws Exception {
        startServer(null, 1200);
        ObjectNode config = config(2, 2, 120);
        ArrayNode hosts = config.putArray("dockerHosts");
        hosts.add(SOCKET);
        hosts.addObject().put("host", "tcp://127.0.0.1:" + tlsPort).put("tlsVerify", true).put("certPath", DIR + "/certs/client");
        config.putObject("hostConfig").put("networkMode", "host");
        createPool(config);
        // on the host's network the Docker bridge's gateway is not reachable (docker0 may be down): the loopback is
        String loopback = "http://127.0.0.1:" + java.net.URI.create(server.rootUrl()).getPort();
        Provisioner p = provisioner(server.workerPools(), server.queue()::pendingCount, dev.berth.app.provisioner.Lease.ALONE, "two",
                s -> new ProvisionerSettings(s.name(), loopback, s.workerGroup(), s.interval(), s.credentialLifetime(),
                        s.leaseTtl(), s.backoff(), s.maxBackoff(), s.startGrace()));

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(() -> {
            if (!server.workerPools().lastErrors(poolId, 1).isEmpty()) {
                throw new AssertionError("pool error: " + server.workerPools().lastErrors(poolId, 1).get(0));
            }
            return running(null).size() == 1 && running(PRIVATE_SOCKET).size() == 1
                    && server.workerPools().counts(poolId).runningCount() == 2;
        });
        String local = workerOf(null, running(null).get(0));
        String overTls = workerOf(PRIVATE_SOCKET, running(PRIVATE_SOCKET).get(0));
        // both long-poll for work (the queue knows a worker from its first claimWork): then two tasks, one each
        try {
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(300))
                    .until(() -> queueKnows(local) && queueKnows(overTls));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("a worker never asked for work; local knows=" + queueKnows(local) + ", over TLS knows="
                    + queueKnows(overTls) + "\nlocal worker's log:\n" + logs(null) + "\nTLS engine worker's log:\n"
                    + logs(PRIVATE_SOCKET), e);
        }
        String a = createTask("sleep 4; echo one");
        String b = createTask("sleep 4; echo two");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(this::allCompleted);

        Set<String> ranOn = new HashSet<>();
        for (String taskId : List.of(a, b)) {
            TaskStatus s = root.queue().taskStatus(taskId);
            assertThat(s.state()).as(LifeSupport.describe(s)).isEqualTo(TaskState.COMPLETED);
            ranOn.add(s.runs().get(0).workerGroup() + "/" + s.runs().get(0).workerId());
        }
        assertThat(ranOn).as("each worker, busy with one task, left the other to the other host's worker")
                .containsExactlyInAnyOrder(local, overTls);
        assertThat(p.containersStarted()).isEqualTo(2);
        await("no task container is left on the private engine").atMost(Duration.ofSeconds(30)).until(() ->
                LifeSupport.containersOn(PRIVATE_SOCKET, LifeSupport.LABEL_TASK_ID, a).isEmpty()
                        && LifeSupport.containersOn(PRIVATE_SOCKET, LifeSupport.LABEL_TASK_ID, b).isEmpty());
    }

    private String logs(String host) {
        return running(host).stream().map(c -> {
            LifeSupport.Result r = LifeSupport.dockerOn(host, "logs", "--tail", "30", c);
            return r.out() + r.err();
        }).reduce("", String::concat);
    }

    /** The pool's running worker containers on an engine (null: the shared one). */
    private List<String> running(String host) {
        return LifeSupport.containersOn(host, Provisioner.LABEL_POOL, poolId).stream()
                .filter(c -> "running".equals(LifeSupport.containerStateOn(host, c))).toList();
    }

    private static String workerOf(String host, String container) {
        return LifeSupport.dockerOn(host, "inspect", "--format", "{{index .Config.Labels \"" + Provisioner.LABEL_WORKER + "\"}}",
                container).out().trim();
    }

    private boolean queueKnows(String groupAndId) {
        String type = poolId.substring(poolId.indexOf('/') + 1);
        try {
            root.get("queue", "/provisioners/prov-it/worker-types/" + type + "/workers/" + groupAndId);
            return true;
        } catch (BerthApiException e) {
            if (e.statusCode() == 404) return false;
            throw e;
        }
    }
}
