package dev.berth.it.scale;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.testing.TaskBodies;
import java.util.Map;

/** Settings shared by the scale-out ITs: the test S3 server (scripts/s3.sh) and task bodies. */
public final class ScaleOut {

    private ScaleOut() {}

    public static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Server environment for an S3 artifact store in {@code bucket} on the test S3 server. */
    public static Map<String, String> s3Env(String bucket) {
        return Map.of("BERTH_ARTIFACT_STORE", "s3",
                "BERTH_S3_ENDPOINT", env("BERTH_TEST_S3_ENDPOINT", "http://127.0.0.1:9500"),
                "BERTH_S3_BUCKET", bucket,
                "BERTH_S3_REGION", "us-east-1",
                "BERTH_S3_ACCESS_KEY", env("BERTH_TEST_S3_ACCESS_KEY", "berth-test"),
                "BERTH_S3_SECRET_KEY", env("BERTH_TEST_S3_SECRET_KEY", "berth-test-secret"));
    }

    public static ObjectNode taskBody(String taskQueueId) {
        return TaskBodies.on(taskQueueId).build();
    }
}
