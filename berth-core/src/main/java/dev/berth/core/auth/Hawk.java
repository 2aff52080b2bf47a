package dev.berth.core.auth;

import dev.berth.core.BerthException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Hawk request authentication (the {@code hawk} npm package, version 1 normalisation, HMAC-SHA256), as
 * Taskcluster uses it: the client signs method, request target, host, port, timestamp, nonce, optional payload
 * hash and the {@code ext} string with its access token; the server recomputes the MAC with the token it looks
 * up for the id. Signed GET URLs carry the same kind of MAC in a {@code bewit} query parameter.
 *
 * <p>Nonces are not remembered (Taskcluster does not either); the timestamp window bounds replays.
 */
public final class Hawk {

    /** Allowed clock difference between client and server, as Taskcluster's auth service allows. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(15);

    private static final Set<String> HEADER_ATTRIBUTES = Set.of("id", "ts", "nonce", "hash", "ext", "mac", "app", "dlg");
    private static final Pattern BEWIT_PARAM = Pattern.compile("^(/.*)([?&])bewit=([^&$]*)(?:&(.+))?$");
    /**
     * Mac.getInstance does a provider lookup each time, and requests run on (short-lived) virtual threads, so a
     * ThreadLocal would not help: idle initialised Macs are pooled instead (a Mac is reusable after init).
     */
    private static final java.util.concurrent.ConcurrentLinkedQueue<Mac> MACS = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final int MAX_POOLED_MACS = 64;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NONCE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private Hawk() {}

    /**
     * Finds the key (access token) for a Hawk id. It also sees the request's {@code ext}, because for
     * Taskcluster temporary credentials the key is derived from the certificate carried there. Return null for
     * an unknown id, or throw {@link BerthException} with a reason to reject.
     */
    @FunctionalInterface
    public interface KeyLookup {
        String keyFor(String id, String ext);
    }

    /** Outcome of a verification: either the id and ext of a good request, or why it was rejected. */
    public record Result(boolean valid, String id, String ext, String failure) {
        static Result ok(String id, String ext) { return new Result(true, id, ext == null ? "" : ext, null); }

        static Result fail(String id, String failure) { return new Result(false, id, null, failure); }
    }

    /**
     * Verifies an {@code Authorization: Hawk ...} header.
     *
     * @param resource the request target exactly as sent: raw path plus {@code ?query}
     * @param host the host the client addressed (Host header, without port)
     * @param port the port the client addressed (the scheme's default when the Host header has none)
     * @param payload the request body; when non-null and the header carries a hash, the hash is checked
     * @param contentType the request's Content-Type, part of the payload hash
     */
    public static Result verifyHeader(String authorization, String method, String resource, String host, int port,
                                      byte[] payload, String contentType, KeyLookup keys, Instant now) {
        Map<String, String> attributes;
        try {
            attributes = parseHeader(authorization);
        } catch (BerthException e) {
            return Result.fail(null, e.getMessage());
        }
        String id = attributes.get("id");
        String ts = attributes.get("ts");
        String nonce = attributes.get("nonce");
        String mac = attributes.get("mac");
        if (id == null || ts == null || nonce == null || mac == null) {
            return Result.fail(id, "Hawk header lacks one of id, ts, nonce, mac");
        }
        if (attributes.containsKey("app")) {
            return Result.fail(id, "Hawk Oz attributes (app, dlg) are not supported");
        }
        String ext = attributes.getOrDefault("ext", "");
        long timestamp;
        try {
            timestamp = Long.parseLong(ts);
        } catch (NumberFormatException e) {
            return Result.fail(id, "Hawk ts is not a number of seconds: " + ts);
        }
        String key;
        try {
            key = keys.keyFor(id, ext);
        } catch (BerthException e) {
            return Result.fail(id, e.getMessage());
        }
        if (key == null) {
            return Result.fail(id, "unknown clientId " + id);
        }
        String hash = attributes.get("hash");
        String expected = mac("header", key, ts, nonce, method, resource, host, port, hash, ext);
        if (!constantTimeEquals(expected, mac)) {
            return Result.fail(id, "Hawk signature (mac) does not match; check the access token, and that host, "
                    + "port and path seen by the server equal the URL you signed");
        }
        if (hash != null && payload != null && !constantTimeEquals(payloadHash(payload, contentType), hash)) {
            return Result.fail(id, "Hawk payload hash does not match the request body");
        }
        long skew = Math.abs(now.getEpochSecond() - timestamp);
        if (skew > MAX_SKEW.toSeconds()) {
            return Result.fail(id, "Hawk timestamp is " + skew + "s away from server time " + now
                    + " (more than " + MAX_SKEW.toMinutes() + " min); fix the client's clock");
        }
        return Result.ok(id, ext);
    }

    /**
     * Verifies a bewit-signed URL (GET or HEAD only).
     *
     * @param resource the request target exactly as sent, including the {@code bewit} query parameter
     */
    public static Result verifyBewit(String method, String resource, String host, int port, KeyLookup keys,
                                     Instant now) {
        if (!method.equalsIgnoreCase("GET") && !method.equalsIgnoreCase("HEAD")) {
            return Result.fail(null, "bewit-signed URLs are only valid for GET and HEAD");
        }
        Matcher match = BEWIT_PARAM.matcher(resource);
        if (!match.matches()) {
            return Result.fail(null, "no bewit query parameter");
        }
        if (match.group(3).isEmpty()) {
            return Result.fail(null, "empty bewit");
        }
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(match.group(3)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Result.fail(null, "bewit is not base64url");
        }
        String[] parts = decoded.split("\\\\", -1);
        if (parts.length != 4 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return Result.fail(null, "bewit must be id\\exp\\mac\\ext");
        }
        String id = parts[0];
        String exp = parts[1];
        String ext = parts[3];
        // The MAC covers the URL as it was before the bewit parameter was appended.
        String unsigned = match.group(1) + (match.group(4) != null ? match.group(2) + match.group(4) : "");
        String key;
        try {
            key = keys.keyFor(id, ext);
        } catch (BerthException e) {
            return Result.fail(id, e.getMessage());
        }
        if (key == null) {
            return Result.fail(id, "unknown clientId " + id);
        }
        String expected = mac("bewit", key, exp, "", "GET", unsigned, host, port, null, ext);
        if (!constantTimeEquals(expected, parts[2])) {
            return Result.fail(id, "bewit signature (mac) does not match");
        }
        long expiry;
        try {
            expiry = Long.parseLong(exp);
        } catch (NumberFormatException e) {
            return Result.fail(id, "bewit expiry is not a number");
        }
        if (expiry * 1000 <= now.toEpochMilli()) {
            return Result.fail(id, "signed URL expired at " + Instant.ofEpochSecond(expiry));
        }
        return Result.ok(id, ext);
    }

    /** An Authorization header value for a request, with the current time and a random nonce. */
    public static String header(String method, URI url, String id, String key, String ext, String payloadHash) {
        return header(method, url, id, key, ext, payloadHash, Instant.now().getEpochSecond(), randomNonce());
    }

    /** An Authorization header value with fixed timestamp and nonce (tests, reproducible vectors). */
    public static String header(String method, URI url, String id, String key, String ext, String payloadHash,
                                long timestamp, String nonce) {
        if (ext != null && !ext.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')) {
            // Hawk header attributes cannot carry quotes or backslashes (servers reject them); Taskcluster's
            // ext is base64, so this only trips on misuse.
            throw new IllegalArgumentException("Hawk ext must be printable ASCII without \" or \\");
        }
        String ts = Long.toString(timestamp);
        String mac = mac("header", key, ts, nonce, method, resourceOf(url), url.getHost(), portOf(url),
                payloadHash, ext);
        StringBuilder header = new StringBuilder("Hawk id=\"").append(id)
                .append("\", ts=\"").append(ts)
                .append("\", nonce=\"").append(nonce);
        if (payloadHash != null && !payloadHash.isEmpty()) {
            header.append("\", hash=\"").append(payloadHash);
        }
        if (ext != null && !ext.isEmpty()) {
            header.append("\", ext=\"").append(ext);
        }
        return header.append("\", mac=\"").append(mac).append('"').toString();
    }

    /** The URL with a {@code bewit} parameter appended that lets anyone GET it until {@code now + ttl}. */
    public static URI bewitUrl(URI url, String id, String key, String ext, Duration ttl, Instant now) {
        String exp = Long.toString(now.getEpochSecond() + ttl.toSeconds());
        String safeExt = ext == null ? "" : ext;
        String mac = mac("bewit", key, exp, "", "GET", resourceOf(url), url.getHost(), portOf(url), null, safeExt);
        String bewit = Base64.getUrlEncoder().withoutPadding()
                .encodeToString((id + "\\" + exp + "\\" + mac + "\\" + safeExt).getBytes(StandardCharsets.UTF_8));
        String text = url.toString();
        String fragment = "";
        int hashAt = text.indexOf('#');
        if (hashAt >= 0) {
            fragment = text.substring(hashAt);
            text = text.substring(0, hashAt);
        }
        return URI.create(text + (url.getRawQuery() != null ? "&" : "?") + "bewit=" + bewit + fragment);
    }

    /** Hawk payload hash: SHA-256 over "hawk.1.payload", the bare lower-case content type and the body. */
    public static String payloadHash(byte[] payload, String contentType) {
        MessageDigest digest = sha256();
        digest.update(("hawk.1.payload\n" + bareContentType(contentType) + "\n").getBytes(StandardCharsets.UTF_8));
        digest.update(payload);
        digest.update((byte) '\n');
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    /** Parses the attributes of a Hawk header, rejecting unknown, duplicate or badly quoted ones. */
    public static Map<String, String> parseHeader(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw BerthException.unauthenticated("no Authorization header");
        }
        if (authorization.length() > 4096) {
            throw BerthException.unauthenticated("Authorization header is too long");
        }
        String trimmed = authorization.strip();
        int space = trimmed.indexOf(' ');
        String scheme = space < 0 ? trimmed : trimmed.substring(0, space);
        if (!scheme.equalsIgnoreCase("hawk")) {
            throw BerthException.unauthenticated("Authorization scheme is " + scheme + ", expected Hawk");
        }
        String rest = space < 0 ? "" : trimmed.substring(space + 1).strip();
        // name="value" pairs: name is \w+, value has no '"' or '\\', pairs are separated by ',' with optional
        // whitespace around it (the same grammar as the hawk npm package's regex, scanned by hand).
        Map<String, String> attributes = new LinkedHashMap<>();
        int i = 0;
        int n = rest.length();
        while (i < n) {
            int nameStart = i;
            while (i < n && isWordChar(rest.charAt(i))) i++;
            if (i == nameStart || i + 1 >= n || rest.charAt(i) != '=' || rest.charAt(i + 1) != '"') {
                break;
            }
            String name = rest.substring(nameStart, i);
            int valueStart = i + 2;
            int j = valueStart;
            while (j < n && rest.charAt(j) != '"' && rest.charAt(j) != '\\') j++;
            if (j >= n || rest.charAt(j) != '"') {
                break;
            }
            String value = rest.substring(valueStart, j);
            j++;
            while (j < n && isSpace(rest.charAt(j))) j++;
            if (j < n) {
                if (rest.charAt(j) != ',') {
                    break;
                }
                j++;
                while (j < n && isSpace(rest.charAt(j))) j++;
            }
            if (!HEADER_ATTRIBUTES.contains(name)) {
                throw BerthException.unauthenticated("unknown Hawk attribute " + name);
            }
            if (attributes.put(name, value) != null) {
                throw BerthException.unauthenticated("duplicate Hawk attribute " + name);
            }
            i = j;
        }
        if (i != n || attributes.isEmpty()) {
            throw BerthException.unauthenticated("malformed Hawk header: expected name=\"value\" pairs");
        }
        return attributes;
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    static String mac(String type, String key, String ts, String nonce, String method, String resource,
                      String host, int port, String hash, String ext) {
        StringBuilder normalized = new StringBuilder("hawk.1.").append(type).append('\n')
                .append(ts).append('\n')
                .append(nonce).append('\n')
                .append(method.toUpperCase(Locale.ROOT)).append('\n')
                .append(resource).append('\n')
                .append(host.toLowerCase(Locale.ROOT)).append('\n')
                .append(port).append('\n')
                .append(hash == null ? "" : hash).append('\n');
        if (ext != null && !ext.isEmpty()) {
            normalized.append(ext.replace("\\", "\\\\").replace("\n", "\\n"));
        }
        normalized.append('\n');
        return Base64.getEncoder().encodeToString(hmacSha256(key, normalized.toString()));
    }

    static byte[] hmacSha256(String key, String message) {
        Mac hmac = MACS.poll();
        try {
            if (hmac == null) hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] out = hmac.doFinal(message.getBytes(StandardCharsets.UTF_8));
            if (MACS.size() < MAX_POOLED_MACS) MACS.offer(hmac);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Request target as Hawk signs it: raw path (encoded as sent) plus {@code ?query} when there is one. */
    public static String resourceOf(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    /** Port as Hawk signs it: explicit port, else 80 for http and 443 otherwise. */
    public static int portOf(URI url) {
        if (url.getPort() >= 0) {
            return url.getPort();
        }
        return "http".equalsIgnoreCase(url.getScheme()) ? 80 : 443;
    }

    private static String bareContentType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String randomNonce() {
        char[] nonce = new char[6];
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = NONCE_ALPHABET.charAt(RANDOM.nextInt(NONCE_ALPHABET.length()));
        }
        return new String(nonce);
    }
}
