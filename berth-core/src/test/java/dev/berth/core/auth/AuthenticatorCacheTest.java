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

    // ---- credentials issued through the authenticator are known before their first use

    private static final List<String> RUN_SCOPES = List.of("queue:resolve-task:x/0", "assume:worker:x");
    private final RoleExpander workerRole = RoleExpander.of(List.of(
            new dev.berth.core.store.RoleRecord("worker:*", "", List.of("queue:status:<..>"), T0, T0)));

    private Authenticator.Authenticated use(Authenticator with, TemporaryCredentials t) {
        String header = Hawk.header("POST", URL, t.clientId(), t.accessToken(), Ext.encode(t.certificate(), null), null,
                now.getEpochSecond(), "n" + now.toEpochMilli());
        return with.authenticate(header, "POST", RESOURCE, "tc.example.com", 443, null, null);
    }

    private Authenticator fresh() {
        return new Authenticator(id -> Optional.ofNullable(clients.get(id)), () -> roles, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void issuedCredentialsAuthenticateExactlyAsAFreshVerificationWould() {
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*", "assume:*"), null, false));
        roles = workerRole;
        TemporaryCredentials t = authenticator.issueTemporary("issuer", "token-1", RUN_SCOPES, T0.minusSeconds(60),
                T0.plus(Duration.ofMinutes(20)));
        Authenticator.Authenticated known = use(authenticator, t);
        assertThat(known).isEqualTo(use(fresh(), t));
        assertThat(known.scopes()).containsExactly("assume:worker:x", "queue:resolve-task:x/0", "queue:status:x");
        assertThat(known.issuer()).isEqualTo("issuer");
        assertThat(known.expires()).isEqualTo(T0.plus(Duration.ofMinutes(20)));
    }

    @Test
    void issuedCredentialsStillFollowRoleAndIssuerChangesAndExpire() {
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*", "assume:*"), null, false));
        roles = workerRole;
        TemporaryCredentials t = authenticator.issueTemporary("issuer", "token-1", RUN_SCOPES, T0.minusSeconds(60),
                T0.plus(Duration.ofMinutes(20)));
        roles = RoleExpander.of(List.of());
        assertThat(use(authenticator, t).scopes()).containsExactly("assume:worker:x", "queue:resolve-task:x/0");
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*", "assume:*"), null, true));
        assertThatThrownBy(() -> use(authenticator, t)).hasMessageContaining("disabled");
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-2", List.of("queue:*", "assume:*"), null, false));
        assertThatThrownBy(() -> use(authenticator, t)).hasMessageContaining("signature");
        clients.put("issuer", new Authenticator.ClientCredentials("issuer", "token-1", List.of("queue:*", "assume:*"), null, false));
        now = T0.plus(Duration.ofMinutes(20)).plus(Certificate.SKEW).plusSeconds(1);
        assertThatThrownBy(() -> use(authenticator, t)).hasMessageContaining("expired");
    }

    @Test
    void credentialsAnIssuerCouldNotGrantAreRefusedOnUseAsBefore() {
        // the issuer does not hold assume:worker:x, so its certificate is refused when used, issued here or not
        TemporaryCredentials t = authenticator.issueTemporary("issuer", "token-1", RUN_SCOPES, T0.minusSeconds(60),
                T0.plus(Duration.ofMinutes(20)));
        assertThatThrownBy(() -> use(authenticator, t)).hasMessageContaining("does not hold");
    }

    @Test
    void aForgedCertificateUnderAnIssuedOnesExtIsNotTrustedOnItsKey() {
        TemporaryCredentials t = authenticator.issueTemporary("issuer", "token-1", List.of("queue:resolve-task:x/0"),
                T0.minusSeconds(60), T0.plus(Duration.ofMinutes(20)));
        // right certificate, wrong access token: the MAC does not match the remembered key
        TemporaryCredentials wrongKey = new TemporaryCredentials(t.clientId(), "not-the-token", t.certificate());
        assertThatThrownBy(() -> use(authenticator, wrongKey)).hasMessageContaining("signature");
    }
}
