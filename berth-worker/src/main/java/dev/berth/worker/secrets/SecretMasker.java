package dev.berth.worker.secrets;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Replaces every occurrence of a secret value by {@code [secret]} in a byte stream that arrives in
 * chunks, so a value split across two chunks is masked too. Works on the UTF-8 bytes: a value's
 * encoding starts and ends on character boundaries, so masking never cuts a character in two.
 *
 * <p>Where occurrences of secrets overlap or touch (two values sharing letters, one inside another),
 * the union of their bytes becomes one {@code [secret]}, so no part of any value shows.
 *
 * <p>Only the bytes that could still be the start of a value are held back: at most the longest
 * value's length − 1. {@link #flush()} releases them at the end of the stream. Not thread-safe; its
 * user serialises calls.
 */
public final class SecretMasker {

    public static final String MASK = "[secret]";
    private static final byte[] MASK_BYTES = MASK.getBytes(StandardCharsets.UTF_8);

    private final List<byte[]> secrets = new ArrayList<>();
    /** The first bytes of the values: a position whose byte is not among them starts none. */
    private final boolean[] starts = new boolean[256];
    /** Bytes received but not yet released: they may begin a value whose end has not come yet. */
    private byte[] held = new byte[0];
    /** Within {@link #held}, the end of the masked region that began before it (0: none). */
    private int maskedUntil;
    /** Whether the bytes before {@link #held} ended inside a masked region whose marker is not out yet. */
    private boolean inMask;

    public SecretMasker() {}

    public SecretMasker(Collection<String> values) {
        values.forEach(this::add);
    }

    /** Masks {@code value} from now on (empty values are ignored). */
    public void add(String value) {
        if (value == null || value.isEmpty()) return;
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        for (byte[] known : secrets) if (Arrays.equals(known, b)) return;
        secrets.add(b);
        starts[b[0] & 0xff] = true;
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /** The longest value in bytes; at most one byte less than this is ever held back. */
    public int maxLength() {
        int max = 0;
        for (byte[] s : secrets) max = Math.max(max, s.length);
        return max;
    }

    /** Takes the next chunk; returns what can be released now, masked (possibly empty). */
    public byte[] write(byte[] chunk) {
        if (secrets.isEmpty() && held.length == 0 && !inMask) return chunk;
        byte[] buf = held.length == 0 ? chunk : concat(held, chunk);
        return scan(buf, false);
    }

    /** The end of the stream: releases everything held back. */
    public byte[] flush() {
        byte[] out = scan(held, true);
        held = new byte[0];
        maskedUntil = 0;
        inMask = false;
        return out;
    }

    /** Masks a whole string at once (a worker line, an error artifact's message). */
    public static String mask(String text, Collection<String> values) {
        if (text == null || values.isEmpty()) return text;
        SecretMasker m = new SecretMasker(values);
        byte[] a = m.write(text.getBytes(StandardCharsets.UTF_8));
        byte[] b = m.flush();
        return new String(concat(a, b), StandardCharsets.UTF_8);
    }

    private byte[] scan(byte[] buf, boolean end) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(buf.length + 16);
        int until = maskedUntil;
        boolean masking = inMask;
        int i = 0;
        while (i < buf.length) {
            if (!masking && !starts[buf[i] & 0xff]) {
                // no value begins here: copy the run up to the next byte that could begin one at once
                int j = i + 1;
                while (j < buf.length && !starts[buf[j] & 0xff]) j++;
                out.write(buf, i, j - i);
                i = j;
                continue;
            }
            int match = 0;
            boolean pending = false;
            for (byte[] s : secrets) {
                int available = Math.min(s.length, buf.length - i);
                if (!regionMatches(buf, i, s, available)) continue;
                if (available == s.length) match = Math.max(match, s.length);
                else pending = true;
            }
            if (pending && !end) break; // could be the start of a value whose end is still to come
            if (match > 0) {
                masking = true;
                until = Math.max(until, i + match);
            }
            if (masking && i < until) {
                i++;
                continue;
            }
            if (masking) {
                out.writeBytes(MASK_BYTES);
                masking = false;
            }
            out.write(buf[i]);
            i++;
        }
        if (end && masking) out.writeBytes(MASK_BYTES);
        // else a masked region that reaches the end of the chunk keeps its marker for the next write
        // (or flush): a value starting right after it makes one region with it, however it is cut
        held = Arrays.copyOfRange(buf, i, buf.length);
        maskedUntil = Math.max(0, until - i);
        inMask = masking && !end;
        return out.toByteArray();
    }

    private static boolean regionMatches(byte[] buf, int at, byte[] s, int length) {
        for (int k = 0; k < length; k++) {
            if (buf[at + k] != s[k]) return false;
        }
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
