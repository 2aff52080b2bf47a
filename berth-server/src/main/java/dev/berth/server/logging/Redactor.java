package dev.berth.server.logging;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks credentials in log text: the value after any access token, password, secret, bewit, token or Hawk mac
 * key (JSON {@code "accessToken":"..."}, {@code key=value} in URLs and headers, escaped JSON inside messages),
 * and every secret registered here (the root token) wherever it appears. Applied to each formatted log line
 * by {@link RedactingPatternLayout}, so it covers every logger and stack trace, Berth's own or a library's.
 */
public final class Redactor {

    public static final String MASK = "***";
    private static final Pattern KEYED = Pattern.compile(
            "(?i)((?:access_?token|password|passwd|secret|bewit|token|mac|signature)\\\\?\"?\\s*[:=]\\s*\\\\?\"?)([^\"\\\\&\\s,;}<>]+)");
    /** Long-lived secrets known to this process; short ones are ignored so no common word is ever masked. */
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private Redactor() {}

    /** Masks {@code secret} in every log line from now on (e.g. the root access token). */
    public static void register(String secret) {
        if (secret != null && secret.length() >= 16) SECRETS.add(secret);
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (String secret : SECRETS) {
            if (out.contains(secret)) out = out.replace(secret, MASK);
        }
        Matcher m = KEYED.matcher(out);
        if (!m.find()) return out;
        StringBuilder sb = new StringBuilder(out.length());
        do {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + MASK));
        } while (m.find());
        m.appendTail(sb);
        return sb.toString();
    }
}
