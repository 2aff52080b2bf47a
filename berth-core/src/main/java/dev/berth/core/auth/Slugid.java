package dev.berth.core.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Taskcluster slug ids: a random (version 4) UUID as 22 characters of unpadded URL-safe base64.
 */
public final class Slugid {

    /** The pattern Taskcluster's schemas use for taskId and taskGroupId: a v4 slug. */
    public static final Pattern V4_PATTERN =
            Pattern.compile("^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$");

    private static final SecureRandom RANDOM = new SecureRandom();

    private Slugid() {}

    /** A v4 slug whose first character may be anything, including {@code -}. */
    public static String v4() {
        return encode(randomUuidBytes());
    }

    /**
     * A v4 slug that never starts with {@code -}, so it can be passed on a command line without looking like
     * an option. This is what taskcluster-client hands out for new task ids.
     */
    public static String nice() {
        byte[] bytes = randomUuidBytes();
        bytes[0] &= 0x7f; // clearing the top bit keeps the first base64 character within A-Za-f
        return encode(bytes);
    }

    /** True when {@code id} has the shape Taskcluster requires of task and task-group ids. */
    public static boolean isValid(String id) {
        return id != null && V4_PATTERN.matcher(id).matches();
    }

    private static byte[] randomUuidBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
        return bytes;
    }

    private static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
