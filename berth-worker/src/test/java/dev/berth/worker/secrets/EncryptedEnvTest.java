package dev.berth.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncryptedEnvTest {

    private static final String TASK = "fN1SbArXTPSVFNUvaOlinQ";
    private static final String SECRET = "correct-horse-battery-staple";

    private static final WorkerKey KEY = WorkerKey.generate("Berth worker test/w1");
    private final MutableClock clock = new MutableClock();
    private final Instant now = clock.instant();

    private SecretMessage message(String name) {
        return new SecretMessage(1, TASK, now.minusSeconds(60), now.plus(Duration.ofHours(1)), name, SECRET);
    }

    private String entry(SecretMessage m) {
        return SecretEncryptor.encrypt(KEY.publicKeyRing(), m);
    }

    private EncryptedEnv.Decoded decode(Map<String, String> env, String... entries) {
        return new EncryptedEnv(KEY, clock).decode(List.of(entries), TASK, env);
    }

    private void assertRefused(EncryptedEnv.Decoded d, String reason) {
        assertThat(d.refused()).isTrue();
        assertThat(d.env()).isEmpty();
        assertThat(d.refusals()).hasSize(1);
        assertThat(d.refusals().get(0)).startsWith("encryptedEnv[0]: ").contains(reason).doesNotContain(SECRET);
        assertThat(d.toString()).doesNotContain(SECRET);
    }

    @Test
    void aMessageForThisTaskInItsWindowDecryptsToItsVariable() {
        EncryptedEnv.Decoded d = decode(Map.of("PLAIN", "x"), entry(message("SECRET_TOKEN")));
        assertThat(d.refusals()).isEmpty();
        assertThat(d.env()).containsExactly(Map.entry("SECRET_TOKEN", SECRET));
        assertThat(d.values()).containsExactly(SECRET);
        assertThat(d.toString()).doesNotContain(SECRET);
    }

    @Test
    void anotherMessageVersionIsRefused() {
        SecretMessage m = new SecretMessage(2, TASK, now.minusSeconds(1), now.plusSeconds(60), "A", SECRET);
        assertRefused(decode(Map.of(), entry(m)), "messageVersion 2 is not supported");
    }

    @Test
    void aMessageForAnotherTaskIsRefused() {
        SecretMessage m = new SecretMessage(1, "otherTaskIdAAAAAAAAAAA", now.minusSeconds(1), now.plusSeconds(60), "A", SECRET);
        EncryptedEnv.Decoded d = decode(Map.of(), entry(m));
        assertRefused(d, "is for task 'otherTaskIdAAAAAAAAAAA', not this task " + TASK);
        // the value is still known, so that the masker hides it should it show up anyway
        assertThat(d.values()).containsExactly(SECRET);
    }

    @Test
    void aMessageBeforeItsStartTimeIsRefused() {
        SecretMessage m = new SecretMessage(1, TASK, now.plusSeconds(30), now.plusSeconds(90), "A", SECRET);
        String e = entry(m);
        assertRefused(decode(Map.of(), e), "is valid only from");
        clock.advance(Duration.ofSeconds(31));
        assertThat(decode(Map.of(), e).env()).containsKey("A");
    }

    @Test
    void aMessagePastItsEndTimeIsRefused() {
        String e = entry(message("A"));
        assertThat(decode(Map.of(), e).refused()).isFalse();
        clock.advance(Duration.ofHours(1).plusMillis(1));
        assertRefused(decode(Map.of(), e), "expired at");
    }

    @Test
    void reservedNamesAreRefused() {
        for (String name : List.of("TASK_ID", "RUN_ID", "TASKCLUSTER_ROOT_URL", "TASKCLUSTER_WORKER_ID")) {
            assertRefused(decode(Map.of(), entry(message(name))), "the variable name " + name + " is reserved");
        }
    }

    @Test
    void aNameAlreadyInEnvIsRefused() {
        assertRefused(decode(Map.of("SECRET_TOKEN", "plain"), entry(message("SECRET_TOKEN"))), "is also in env");
    }

    @Test
    void aNameGivenByTwoEntriesIsRefused() {
        EncryptedEnv.Decoded d = decode(Map.of(), entry(message("A")), entry(message("A")));
        assertThat(d.refusals()).containsExactly("encryptedEnv[1]: the variable A is given by more than one encryptedEnv entry");
    }

    @Test
    void aNameThatIsNoVariableNameIsRefused() {
        assertRefused(decode(Map.of(), entry(message("A=B"))), "is not a valid name");
    }

    @Test
    void aMessageToAnotherKeyIsRefused() {
        WorkerKey other = WorkerKey.generate("someone else");
        assertRefused(decode(Map.of(), SecretEncryptor.encrypt(other.publicKeyRing(), message("A"))),
                "not encrypted to this worker's key " + KEY.fingerprint());
    }

    @Test
    void textThatIsNoOpenPgpMessageIsRefused() {
        assertRefused(decode(Map.of(), "not base64 at all!"), "not base64");
        assertRefused(decode(Map.of(), Base64.getEncoder().encodeToString("hello world, no packets".getBytes())),
                "not an OpenPGP encrypted message");
    }

    @Test
    void aTamperedMessageIsRefused() {
        byte[] bytes = Base64.getDecoder().decode(entry(message("A")));
        bytes[bytes.length - 5] ^= 0x55;
        EncryptedEnv.Decoded d = decode(Map.of(), Base64.getEncoder().encodeToString(bytes));
        assertThat(d.refused()).isTrue();
        assertThat(d.env()).isEmpty();
    }

    @Test
    void aWorkerWithoutAKeyRefusesEveryEntry() {
        EncryptedEnv.Decoded d = new EncryptedEnv(null, clock).decode(List.of(entry(message("A"))), TASK, Map.of());
        assertThat(d.refusals()).containsExactly("encryptedEnv[0]: this worker has no private key to decrypt with");
    }

    @Test
    void clearTextThatIsNotTheMessageShapeIsRefusedWithoutQuotingIt() {
        String json = "{\"messageVersion\":1,\"taskId\":\"" + TASK + "\",\"name\":\"A\",\"value\":\"" + SECRET + "\"}";
        assertRefused(decode(Map.of(), SecretEncryptor.encryptBytes(KEY.publicKeyRing(), json.getBytes())), "startTime is missing");
        assertRefused(decode(Map.of(), SecretEncryptor.encryptBytes(KEY.publicKeyRing(), (SECRET + " {").getBytes())),
                "not JSON");
    }
}
