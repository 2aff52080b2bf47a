package dev.berth.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerKeyTest {

    @TempDir
    Path tmp;

    @Test
    void aKeyIsGeneratedAtFirstStartReadableByItsOwnerOnlyAndFoundAgainLater() throws Exception {
        Path file = tmp.resolve("data/worker-key.asc");
        WorkerKey first = WorkerKey.loadOrCreate(file, "Berth worker g/w");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");
        WorkerKey again = WorkerKey.loadOrCreate(file, "Berth worker g/w");
        assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
        assertThat(again.armoredPublicKey()).isEqualTo(first.armoredPublicKey());
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file); // no temporary file left
        }
    }

    @Test
    void thePublicKeyIsArmouredAndHoldsNoPrivatePart() throws Exception {
        WorkerKey key = WorkerKey.generate("Berth worker g/w");
        String pub = key.armoredPublicKey();
        assertThat(pub).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----").doesNotContain("PRIVATE");
        var ring = WorkerKey.readPublicKey(pub.getBytes(StandardCharsets.US_ASCII));
        assertThat(ring.getPublicKey().getFingerprint()).isEqualTo(key.publicKeyRing().getPublicKey().getFingerprint());
        assertThat(SecretEncryptor.encryptionKey(ring).isMasterKey()).isFalse();
    }

    @Test
    void aFileThatHoldsNoKeyIsAnErrorNotReplaced() throws Exception {
        Path file = tmp.resolve("worker-key.asc");
        Files.writeString(file, "not a key");
        assertThatThrownBy(() -> WorkerKey.loadOrCreate(file, "x")).hasMessageContaining("cannot read the worker's private key");
        assertThat(Files.readString(file)).isEqualTo("not a key");
    }
}
