package dev.berth.core.queue;

import dev.berth.core.BerthException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which artifact names a run may use, and where their bytes live. Names are free text as in Taskcluster
 * ({@code public//x}, {@code public/.tmp/x}, a 300-byte segment, both {@code public/a} and {@code public/a/b});
 * only names that a URL cannot carry unambiguously, or that would corrupt logs and headers, are refused.
 * The bytes are kept under a hash of the name, so any name a run may use fits every blob store.
 */
public final class ArtifactNames {

    public static final int MAX_LENGTH = 1024;

    private ArtifactNames() {}

    /** Throws an input error naming the problem when {@code name} cannot be an artifact name. */
    public static void check(String name) {
        check(name, "artifact name");
    }

    static void check(String name, String what) {
        if (name == null || name.isEmpty()) throw BerthException.input(what + " must not be empty");
        if (name.length() > MAX_LENGTH) {
            throw BerthException.input(what + " is " + name.length() + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw BerthException.input(what + " '" + printable(name) + "' contains the control character "
                        + String.format("U+%04X", (int) c) + " at position " + i + "; control characters (NUL included) are not allowed");
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                throw BerthException.input(what + " '" + printable(name) + "' is not valid Unicode (a lone surrogate at position " + i + ")");
            }
        }
        if (name.startsWith("/")) throw BerthException.input(what + " '" + name + "' must not start with '/'");
        if (name.endsWith("/")) throw BerthException.input(what + " '" + name + "' must not end with '/'");
        for (String segment : name.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                // a URL with a dot segment is normalised (or refused) on the way, so no client could read it back
                throw BerthException.input(what + " '" + name + "' has a '" + segment + "' segment; '.' and '..' segments are not allowed");
            }
        }
    }

    /** The blob key of an s3 artifact: the task, the run and a hash of the name (never the raw name). */
    public static String blobKey(String taskId, int runId, String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return "artifacts/" + taskId + "/" + runId + "/" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static String printable(String name) {
        StringBuilder sb = new StringBuilder();
        name.codePoints().limit(200).forEach(cp -> {
            if (Character.isISOControl(cp)) sb.append(String.format("\\u%04x", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.toString();
    }
}
