package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The verified-certificate cache must never let through what a fresh verification would reject. */
class AuthenticatorCacheTest {

    private static final Instant T0 = Instant.ofEpochMilli(1700000100000L);
    private static final URI URL = URI.create("https://tc.example.com/api/queue/v1/task/x/runs/0/completed");
    private static final String RESOURCE = "/api/queue/v1/task/x/runs/0/completed";

    private final Map<String, Authenticator.ClientCredentials> clients = new ConcurrentHashMap<>(Map.of(
            "issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*"), null, false)));
    private Instant now = T0;
    private RoleExpander roles = RoleExpander.of(List.of());
    private final Authenticator authenticator = new Authenticator(id -> Optional.ofNullable(clients.get(id)),
            () -> roles, new Clock() {
                @Override public ZoneId getZone() { return ZoneOffset.UTC; }
                @Override public Clock withZone(ZoneId zone) { return this; }
                @Override public Instant instant() { return now; }
            });
    private final TemporaryCredentials temp = TemporaryCredentials.create("issuer", "token-1",
            List.of("queue:resolve-task:x/0"), T0.minusSeconds(60), T0.plus(Duration.ofMinutes(20)), null);

    private Authenticator.Authenticated report() {
        String header = Hawk.header("POST", URL, temp.clientId(), temp.accessToken(),
                Ext.encode(temp.certificate(), null), null, now.getEpochSecond(), "n" + now.toEpochMilli());
        return authenticator.authenticate(header, "POST", RESOURCE, "tc.example.com", 443, null, null);
    }

    @Test
    void repeatedUseGivesTheSameResult() {
        Authenticator.Authenticated first = report();
        Authenticator.Authenticated second = report();
        assertThat(second).isEqualTo(first);
        assertThat(second.scopes()).containsExactly("queue:resolve-task:x/0");
        assertThat(second.expires()).isEqualTo(T0.plus(Duration.ofMinutes(20)));
    }

    @Test
    void expiryIsCheckedOnEveryUse() {
        report();
        now = T0.plus(Duration.ofMinutes(20)).plus(Certificate.SKEW).plusSeconds(1);
        assertThatThrownBy(this::report).hasMessageContaining("expired");
    }

    @Test
    void issuerChangesInvalidateTheCachedVerification() {
        report();
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*"), null, true));
        assertThatThrownBy(this::report).hasMessageContaining("disabled");
        // the issuer lost the scopes the certificate carries
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("other:*"), null, false));
        assertThatThrownBy(this::report).hasMessageContaining("does not hold");
        // rotated token: the certificate's signature no longer verifies
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-2", List.of("queue:*"), null, false));
        assertThatThrownBy(this::report).hasMessageContaining("signature");
    }

    @Test
    void aNewRoleTableIsUsed() {
        report();
        roles = RoleExpander.of(List.of());
        assertThat(report().scopes()).containsExactly("queue:resolve-task:x/0");
    }
}
