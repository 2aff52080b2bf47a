package dev.berth.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.MutableClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages made by GnuPG to the worker's published key decrypt in the worker, armoured or not. */
class GnuPgInteropIT {

    @TempDir
    Path tmp;

    private static final String TASK = "GPGtaskAAAAAAAAAAAAAAA";

    @Test
    void gpgEncryptedMessagesDecryptInTheWorkerArmouredOrBinary() throws Exception {
        WorkerKey key = WorkerKey.loadOrCreate(tmp.resolve("worker-key.asc"), "Berth worker it/gpg");
        MutableClock clock = new MutableClock();
        long now = clock.instant().toEpochMilli();
        GnuPg gpg = new GnuPg(tmp);
        String armoured = gpg.encryptedEnvEntry(key.armoredPublicKey(),
                GnuPg.messageJson(TASK, now - 1000, now + 60_000, "FROM_GPG_ARMOURED", "gpg-armoured-value"), true);
        String binary = gpg.encryptedEnvEntry(key.armoredPublicKey(),
                GnuPg.messageJson(TASK, now - 1000, now + 60_000, "FROM_GPG_BINARY", "gpg-binary-välue"), false);

        EncryptedEnv.Decoded d = new EncryptedEnv(key, clock).decode(List.of(armoured, binary), TASK, Map.of());

        assertThat(d.refusals()).isEmpty();
        assertThat(d.env()).containsExactly(Map.entry("FROM_GPG_ARMOURED", "gpg-armoured-value"),
                Map.entry("FROM_GPG_BINARY", "gpg-binary-välue"));
    }
}
