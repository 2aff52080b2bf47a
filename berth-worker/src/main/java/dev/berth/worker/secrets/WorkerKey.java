package dev.berth.worker.secrets;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.X25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.X25519KeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's OpenPGP key: task authors encrypt {@code encryptedEnv} entries to its public half,
 * only the worker holding the private half reads them. An Ed25519 primary key with an X25519
 * (ECDH) encryption subkey, in the v4 format GnuPG 2.2 and later read, so {@code gpg --encrypt
 * --recipient-file worker.pub} works as well as {@code berth secret encrypt}.
 *
 * <p>The private key is kept unprotected in a file only its owner may read (mode 0600): the worker
 * must use it unattended, so a passphrase would have to sit next to it anyway.
 */
public final class WorkerKey {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerKey.class);

    /** Where a worker keeps its generated key, under its data directory, unless configured otherwise. */
    public static final String DEFAULT_FILE = "worker-key.asc";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final PGPSecretKeyRing secretRing;

    private WorkerKey(PGPSecretKeyRing secretRing) {
        this.secretRing = secretRing;
    }

    /**
     * The key in {@code file}; when the file does not exist, a new key is generated and written there
     * (mode 0600; its directory is created). A file that exists but holds no usable key is an error:
     * silently replacing it would orphan every secret already encrypted to it.
     */
    public static WorkerKey loadOrCreate(Path file, String userId) {
        if (Files.exists(file)) return load(file);
        WorkerKey key = generate(userId);
        try {
            key.writePrivate(file);
            LOG.info("generated the worker's OpenPGP key {} in {}", key.fingerprint(), file);
            return key;
        } catch (FileAlreadyExistsException raced) {
            return load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the worker's key to " + file, e);
        }
    }

    /** Reads a private key (armoured or binary) from {@code file}. */
    public static WorkerKey load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the worker's private key from " + file + ": " + e.getMessage(), e);
        }
    }

    static WorkerKey read(InputStream in) throws IOException {
        try {
            PGPSecretKeyRing ring = new PGPSecretKeyRing(PGPUtil.getDecoderStream(in), new BcKeyFingerprintCalculator());
            WorkerKey key = new WorkerKey(ring);
            if (key.decryptionKeys().isEmpty()) throw new IOException("the key has no encryption-capable (sub)key");
            return key;
        } catch (PGPException | RuntimeException e) {
            throw new IOException("not an OpenPGP private key: " + e.getMessage(), e);
        }
    }

    /** A fresh key pair (in memory). */
    public static WorkerKey generate(String userId) {
        try {
            SecureRandom random = new SecureRandom();
            Date now = new Date();
            Ed25519KeyPairGenerator ed = new Ed25519KeyPairGenerator();
            ed.init(new Ed25519KeyGenerationParameters(random));
            PGPKeyPair primary = new BcPGPKeyPair(PublicKeyAlgorithmTags.EDDSA_LEGACY, ed.generateKeyPair(), now);
            X25519KeyPairGenerator x = new X25519KeyPairGenerator();
            x.init(new X25519KeyGenerationParameters(random));
            PGPKeyPair encryption = new BcPGPKeyPair(PublicKeyAlgorithmTags.ECDH, x.generateKeyPair(), now);

            PGPSignatureSubpacketGenerator primaryAttrs = new PGPSignatureSubpacketGenerator();
            primaryAttrs.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            primaryAttrs.setPreferredSymmetricAlgorithms(false,
                    new int[] {SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.AES_128});
            primaryAttrs.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA256});
            // integrity-protected (SEIPD v1) messages only; no AEAD feature, which GnuPG 2.2 lacks
            primaryAttrs.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            PGPSignatureSubpacketGenerator subAttrs = new PGPSignatureSubpacketGenerator();
            subAttrs.setKeyFlags(false, KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE);

            PGPKeyRingGenerator gen = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, userId,
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1), primaryAttrs.generate(), null,
                    new BcPGPContentSignerBuilder(primary.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256), null);
            gen.addSubKey(encryption, subAttrs.generate(), null);
            return new WorkerKey(gen.generateSecretKeyRing());
        } catch (PGPException e) {
            throw new IllegalStateException("cannot generate an OpenPGP key: " + e.getMessage(), e);
        }
    }

    /** Writes the private key, ASCII-armoured, readable by its owner only; never over an existing file. */
    public void writePrivate(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".worker-key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            try (OutputStream out = Files.newOutputStream(tmp); ArmoredOutputStream armour = ArmoredOutputStream.builder().build(out)) {
                secretRing.encode(armour);
            }
            // a link, not a move: fails when another process created the file meanwhile
            Files.createLink(file, tmp);
        } catch (UnsupportedOperationException e) {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The public key as ASCII armour, what task authors encrypt to. */
    public String armoredPublicKey() {
        return armor(publicKeyRing());
    }

    static String armor(PGPPublicKeyRing ring) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArmoredOutputStream armour = ArmoredOutputStream.builder().build(bytes)) {
            ring.encode(armour);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    public PGPPublicKeyRing publicKeyRing() {
        List<PGPPublicKey> keys = new ArrayList<>();
        secretRing.getPublicKeys().forEachRemaining(keys::add);
        return new PGPPublicKeyRing(keys);
    }

    /** The primary key's fingerprint in hex, to tell keys apart in logs. */
    public String fingerprint() {
        return org.bouncycastle.util.encoders.Hex.toHexString(secretRing.getPublicKey().getFingerprint()).toUpperCase(java.util.Locale.ROOT);
    }

    /** The private keys that can decrypt: the encryption subkeys (and a primary key flagged for it). */
    List<PGPPrivateKey> decryptionKeys() {
        List<PGPPrivateKey> out = new ArrayList<>();
        for (Iterator<PGPSecretKey> it = secretRing.getSecretKeys(); it.hasNext(); ) {
            PGPSecretKey key = it.next();
            if (!key.getPublicKey().isEncryptionKey()) continue;
            try {
                PGPPrivateKey priv = key.extractPrivateKey(null);
                if (priv != null) out.add(priv);
            } catch (PGPException e) {
                LOG.warn("the worker's key {} is passphrase-protected and cannot be used: {}",
                        Long.toHexString(key.getKeyID()), e.getMessage());
            }
        }
        return out;
    }

    /** Reads a public key (armoured or binary), e.g. a worker's published one. */
    public static PGPPublicKeyRing readPublicKey(byte[] keyFile) throws IOException {
        try {
            return new PGPPublicKeyRing(PGPUtil.getDecoderStream(new ByteArrayInputStream(keyFile)), new BcKeyFingerprintCalculator());
        } catch (RuntimeException e) {
            throw new IOException("not an OpenPGP public key: " + e.getMessage(), e);
        }
    }
}
