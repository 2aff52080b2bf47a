package dev.berth.server.queue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring upload URLs for s3-type artifacts, so the bytes can be PUT without Hawk — the role
 * a pre-signed S3 URL plays in Taskcluster.
 */
public final class UploadTokens {

    private final byte[] key;
    private final Clock clock;
    /** Signed into every token, so a token made for one use (download) is never accepted for another (upload). */
    private final String purpose;

    public UploadTokens(byte[] key, Clock clock) {
        this(key, clock, "");
    }

    private UploadTokens(byte[] key, Clock clock, String purpose) {
        this.key = key.clone();
        this.clock = clock;
        this.purpose = purpose;
    }

    /** Tokens of the same shape for reading one artifact's bytes without scopes; never valid as upload tokens. */
    public UploadTokens forDownloads() {
        return new UploadTokens(key, clock, "download\n");
    }

    /** Tokens of the same shape for another use (the object service's data URLs); never valid for any other purpose. */
    public UploadTokens withPurpose(String use) {
        return new UploadTokens(key, clock, use + "\n");
    }

    public String issue(String taskId, int runId, String name, Duration validFor) {
        long expiry = clock.millis() + validFor.toMillis();
        return expiry + "." + mac(taskId, runId, name, expiry);
    }

    public boolean valid(String token, String taskId, int runId, String name) {
        if (token == null) return false;
        int dot = token.indexOf('.');
        if (dot <= 0) return false;
        long expiry;
        try {
            expiry = Long.parseLong(token.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (expiry < clock.millis()) return false;
        byte[] expected = mac(taskId, runId, name, expiry).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String taskId, int runId, String name, long expiry) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((purpose + taskId + "\n" + runId + "\n" + name + "\n" + expiry).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
