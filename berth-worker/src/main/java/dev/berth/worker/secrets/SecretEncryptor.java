package dev.berth.worker.secrets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Date;
import java.util.Iterator;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * Makes {@code encryptedEnv} entries: the message's JSON in an OpenPGP message (AES-256, integrity
 * protected) to a worker's public key, base64-encoded — what {@code berth secret encrypt} prints.
 */
public final class SecretEncryptor {

    private SecretEncryptor() {}

    /** The payload entry for {@code message}, encrypted to {@code workerKey}'s encryption subkey. */
    public static String encrypt(PGPPublicKeyRing workerKey, SecretMessage message) {
        return encryptBytes(workerKey, message.toJson());
    }

    static String encryptBytes(PGPPublicKeyRing workerKey, byte[] clear) {
        PGPPublicKey recipient = encryptionKey(workerKey);
        try {
            PGPEncryptedDataGenerator encrypted = new PGPEncryptedDataGenerator(
                    new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                            .setWithIntegrityPacket(true)
                            .setSecureRandom(new SecureRandom()));
            encrypted.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(recipient));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream enc = encrypted.open(out, new byte[1 << 12]);
                 OutputStream lit = new PGPLiteralDataGenerator().open(enc, PGPLiteralData.BINARY, "", clear.length, new Date(0))) {
                lit.write(clear);
            }
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException | PGPException e) {
            throw new IllegalStateException("cannot encrypt: " + e.getMessage(), e);
        }
    }

    static PGPPublicKey encryptionKey(PGPPublicKeyRing ring) {
        PGPPublicKey fallback = null;
        for (Iterator<PGPPublicKey> it = ring.getPublicKeys(); it.hasNext(); ) {
            PGPPublicKey key = it.next();
            if (!key.isEncryptionKey() || key.hasRevocation()) continue;
            if (!key.isMasterKey()) return key;
            fallback = key;
        }
        if (fallback == null) throw new IllegalArgumentException("the key has no encryption (sub)key");
        return fallback;
    }
}
