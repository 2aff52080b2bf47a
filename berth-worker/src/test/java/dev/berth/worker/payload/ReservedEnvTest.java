package dev.berth.worker.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReservedEnvTest {

    @Test
    void reservedValuesOverridePayloadValues() {
        Map<String, String> env = ReservedEnv.merge(
                Map.of("TASK_ID", "forged", "RUN_ID", "9", "MINE", "kept"),
                Map.of("TASK_ID", "real", "RUN_ID", "0"));

        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of("TASK_ID", "real", "RUN_ID", "0", "MINE", "kept"));
    }

    @Test
    void payloadValueOfAnUnknownReservedNameIsDroppedNotPassedOn() {
        Map<String, String> reserved = new HashMap<>();
        reserved.put("TASKCLUSTER_PUBLIC_IP", null);
        Map<String, String> env = ReservedEnv.merge(Map.of("TASKCLUSTER_PUBLIC_IP", "6.6.6.6", "TASKCLUSTER_INSTANCE_TYPE", "x"), reserved);

        assertThat(env).isEmpty();
    }

    @Test
    void onlyReservedNamesMayBeSetAsReserved() {
        assertThatThrownBy(() -> ReservedEnv.merge(Map.of(), Map.of("PATH", "/bin")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDocumentedSetIsReserved() {
        assertThat(ReservedEnv.NAMES).contains("TASK_ID", "RUN_ID", "TASKCLUSTER_ROOT_URL", "TASKCLUSTER_WORKER_TYPE",
                "TASKCLUSTER_WORKER_GROUP", "TASKCLUSTER_INSTANCE_TYPE", "TASKCLUSTER_PUBLIC_IP");
        assertThat(ReservedEnv.isReserved("HOME")).isFalse();
    }
}
