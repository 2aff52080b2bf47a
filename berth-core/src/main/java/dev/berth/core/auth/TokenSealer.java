package dev.berth.core.auth;

import dev.berth.core.BerthException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals access tokens for storage with AES-256-GCM under a server key. Hawk is a shared-secret MAC, so the
 * server must recover the token to check a signature; sealing keeps a database dump alone useless.
 *
 * <p>Sealed form: {@code v1.} + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag). The clientId is bound as
 * associated data, so a sealed token copied onto another client's row does not unseal.
 */
public final class TokenSealer {

    private static final String VERSION = "v1.";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** @param key exactly 32 bytes */
    public TokenSealer(byte[] key) {
        if (key == null || key.length != 32) {
            throw new IllegalArgumentException("token sealing key must be 32 bytes (AES-256), got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** From the base64 (standard or URL-safe) text of a 32-byte key, as kept in configuration. */
    public static TokenSealer fromBase64(String key) {
        String text = key.strip();
        byte[] bytes;
        try {
            bytes = text.contains("-") || text.contains("_")
                    ? Base64.getUrlDecoder().decode(text) : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token sealing key is not base64", e);
        }
        return new TokenSealer(bytes);
    }

    /** A fresh random key, base64 encoded, for first-time setup. */
    public static String generateKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * A new random access token: 44 URL-safe characters (two v4 slugs, as Taskcluster's auth service makes
     * them), about 244 random bits.
     */
    public static String generateAccessToken() {
        return Slugid.v4() + Slugid.v4();
    }

    public String seal(String clientId, String accessToken) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(clientId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(accessToken.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
            return VERSION + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** The access token sealed for {@code clientId}; fails when the key, clientId or sealed text differ. */
    public String unseal(String clientId, String sealed) {
        if (sealed == null || !sealed.startsWith(VERSION)) {
            throw new BerthException(BerthException.Kind.INTERNAL,
                    "stored access token of client " + clientId + " is not in sealed v1 form");
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(sealed.substring(VERSION.length()));
            if (bytes.length <= IV_BYTES) {
                throw new IllegalArgumentException("too short");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES));
            cipher.updateAAD(clientId.getBytes(StandardCharsets.UTF_8));
            byte[] token = cipher.doFinal(bytes, IV_BYTES, bytes.length - IV_BYTES);
            return new String(token, StandardCharsets.UTF_8);
        } catch (AEADBadTagException | IllegalArgumentException e) {
            throw new BerthException(BerthException.Kind.INTERNAL, "stored access token of client " + clientId
                    + " does not unseal: wrong server key, or the sealed value was altered or moved", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }
}
