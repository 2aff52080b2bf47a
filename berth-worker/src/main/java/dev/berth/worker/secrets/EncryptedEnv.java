package dev.berth.worker.secrets;

import dev.berth.worker.payload.ReservedEnv;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/**
 * Decrypts a payload's {@code encryptedEnv} with the worker's key and checks each message as
 * docker-worker did: version 1, this task's id, now inside [startTime, endTime], a name that is
 * neither reserved ({@link ReservedEnv}) nor already in the payload's {@code env} (nor given twice).
 * A refusal says which entry and why, never the value.
 */
public final class EncryptedEnv {

    /** What an environment variable name may look like (the payload schema's rule for {@code env}). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A message is a few hundred bytes; anything far larger is not one of ours. */
    static final int MAX_MESSAGE_BYTES = 1 << 20;

    private final WorkerKey key;
    private final Clock clock;

    /** @param key the worker's key, or null when it has none (every entry is then refused) */
    public EncryptedEnv(WorkerKey key, Clock clock) {
        this.key = key;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The outcome for all entries.
     *
     * @param env the decrypted variables, by name, of the entries that passed every check
     * @param refusals one line per refused entry, for the task log: {@code encryptedEnv[2]: <reason>}
     * @param values every value decrypted (also of refused entries), for masking
     */
    public record Decoded(Map<String, String> env, List<String> refusals, List<String> values) {
        public Decoded {
            env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
            refusals = List.copyOf(refusals);
            values = List.copyOf(values);
        }

        public boolean refused() {
            return !refusals.isEmpty();
        }

        /** Leaves the values out. */
        @Override
        public String toString() {
            return "Decoded[names=" + env.keySet() + ", refusals=" + refusals + "]";
        }
    }

    /** A message that cannot be accepted; its text is the reason (never a value). */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    public Decoded decode(List<String> entries, String taskId, Map<String, String> plainEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> refusals = new ArrayList<>();
        List<String> values = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < entries.size(); i++) {
            try {
                SecretMessage m = decrypt(entries.get(i));
                if (!m.value().isEmpty()) values.add(m.value());
                check(m, taskId, plainEnv, env, now);
                env.put(m.name(), m.value());
            } catch (Refused e) {
                refusals.add("encryptedEnv[" + i + "]: " + e.getMessage());
            }
        }
        return new Decoded(env, refusals, values);
    }

    private static void check(SecretMessage m, String taskId, Map<String, String> plainEnv, Map<String, String> earlier,
                              Instant now) throws Refused {
        String name = m.name();
        if (m.messageVersion() != SecretMessage.VERSION) {
            throw new Refused("messageVersion " + m.messageVersion() + " is not supported (only " + SecretMessage.VERSION + ")");
        }
        if (!m.taskId().equals(taskId)) {
            throw new Refused("the message (variable " + safeName(name) + ") is for task " + safeName(m.taskId())
                    + ", not this task " + taskId);
        }
        if (now.isBefore(m.startTime())) {
            throw new Refused("the message (variable " + safeName(name) + ") is valid only from " + m.startTime()
                    + "; it is now " + now);
        }
        if (now.isAfter(m.endTime())) {
            throw new Refused("the message (variable " + safeName(name) + ") expired at " + m.endTime() + "; it is now " + now);
        }
        if (!NAME.matcher(name).matches()) {
            throw new Refused("the variable name " + safeName(name) + " is not a valid name ([A-Za-z_][A-Za-z0-9_]*)");
        }
        if (ReservedEnv.isReserved(name)) {
            throw new Refused("the variable name " + name + " is reserved: the worker sets it");
        }
        if (plainEnv.containsKey(name)) {
            throw new Refused("the variable " + name + " is also in env: a name may be given only once");
        }
        if (earlier.containsKey(name)) {
            throw new Refused("the variable " + name + " is given by more than one encryptedEnv entry");
        }
    }

    /** A name or task id from the message, shown only when it looks like one (it could be anything). */
    private static String safeName(String s) {
        if (s.length() <= 128 && s.matches("[A-Za-z0-9_.-]*")) return "'" + s + "'";
        return "(not shown: " + s.length() + " characters that are not a plain name)";
    }

    private SecretMessage decrypt(String entry) throws Refused {
        if (key == null) throw new Refused("this worker has no private key to decrypt with");
        byte[] message;
        try {
            // line breaks are allowed (base64 tools wrap lines); any other non-base64 character is not
            message = Base64.getDecoder().decode(entry.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new Refused("not base64");
        }
        if (message.length == 0) throw new Refused("empty");
        byte[] clear;
        try {
            clear = decryptBytes(message);
        } catch (IOException | PGPException | RuntimeException e) {
            // BouncyCastle's messages name packets and keys, never the plaintext
            throw new Refused("cannot be decrypted with this worker's key (" + shortReason(e) + ")");
        }
        try {
            return SecretMessage.fromJson(clear);
        } catch (IllegalArgumentException e) {
            throw new Refused(e.getMessage());
        }
    }

    private static String shortReason(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    private byte[] decryptBytes(byte[] message) throws IOException, PGPException, Refused {
        InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(message));
        BcPGPObjectFactory objects = new BcPGPObjectFactory(in);
        Object o = objects.nextObject();
        while (o instanceof PGPMarker) o = objects.nextObject();
        if (!(o instanceof PGPEncryptedDataList list)) throw new Refused("not an OpenPGP encrypted message");
        List<PGPPrivateKey> keys = key.decryptionKeys();
        for (Object data : list) {
            if (!(data instanceof PGPPublicKeyEncryptedData pked)) continue;
            for (PGPPrivateKey priv : keys) {
                // a wildcard key id (0, "hidden recipient") may be any of ours
                if (pked.getKeyID() != 0 && pked.getKeyID() != priv.getKeyID()) continue;
                InputStream clear;
                try {
                    clear = pked.getDataStream(new BcPublicKeyDataDecryptorFactory(priv));
                } catch (PGPException wrongKey) {
                    if (pked.getKeyID() == 0) continue;
                    throw wrongKey;
                }
                byte[] literal = literal(clear);
                // read to the end (trailing signatures, the MDC) so that verify() sees the whole stream
                clear.transferTo(java.io.OutputStream.nullOutputStream());
                if (!pked.isIntegrityProtected()) throw new Refused("the message is not integrity protected");
                if (!pked.verify()) throw new Refused("the message failed its integrity check (tampered with)");
                return literal;
            }
        }
        throw new Refused("not encrypted to this worker's key " + key.fingerprint());
    }

    private static byte[] literal(InputStream clear) throws IOException, PGPException, Refused {
        BcPGPObjectFactory objects = new BcPGPObjectFactory(clear);
        Object o = objects.nextObject();
        if (o instanceof PGPCompressedData compressed) {
            objects = new BcPGPObjectFactory(compressed.getDataStream());
            o = objects.nextObject();
        }
        while (o instanceof PGPOnePassSignatureList || o instanceof PGPSignatureList) o = objects.nextObject();
        if (!(o instanceof PGPLiteralData literal)) throw new Refused("the message holds no literal data");
        try (InputStream data = literal.getInputStream()) {
            byte[] bytes = data.readNBytes(MAX_MESSAGE_BYTES + 1);
            if (bytes.length > MAX_MESSAGE_BYTES) throw new Refused("the message is larger than " + MAX_MESSAGE_BYTES + " bytes");
            return bytes;
        }
    }
}
