package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import dev.berth.core.store.RoleRecord;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    private static final Instant NOW = Instant.ofEpochMilli(1700000100000L);
    private static final URI URL = URI.create("https://tc.example.com/api/queue/v1/claim-work/a%2Fb");
    private static final String RESOURCE = "/api/queue/v1/claim-work/a%2Fb";

    private final Map<String, Authenticator.ClientCredentials> clients = Map.of(
            "issuer", new Authenticator.ClientCredentials("issuer", "issuer-secret-token",
                    List.of("assume:worker-pool:a/b", "auth:create-client:named-*", "a:*"), null, false),
            "off", new Authenticator.ClientCredentials("off", "t", List.of("*"), null, true),
            "old", new Authenticator.ClientCredentials("old", "t", List.of("*"), NOW.minusSeconds(1), false));
    private final RoleExpander roles = RoleExpander.of(List.of(
            new RoleRecord("worker-pool:*", "", List.of("queue:claim-work:<..>", "assume:worker-type:<..>"),
                    Instant.EPOCH, Instant.EPOCH),
            new RoleRecord("worker-type:a/b", "", List.of("queue:worker-id:a/*"), Instant.EPOCH, Instant.EPOCH)));
    private final Authenticator authenticator = new Authenticator(id -> Optional.ofNullable(clients.get(id)),
            () -> roles, Clock.fixed(NOW, ZoneOffset.UTC));

    private Authenticator.Authenticated signedAs(String id, String key, String ext) {
        String header = Hawk.header("POST", URL, id, key, ext, null, NOW.getEpochSecond(), "nonce1");
        return authenticator.authenticate(header, "POST", RESOURCE, "tc.example.com", 443, null, null);
    }

    @Test
    void permanentCredentialsGetExpandedScopes() {
        Authenticator.Authenticated auth = signedAs("issuer", "issuer-secret-token", null);
        assertThat(auth.clientId()).isEqualTo("issuer");
        assertThat(auth.issuer()).isNull();
        assertThat(auth.scopes()).contains("queue:claim-work:a/b", "assume:worker-type:a/b", "queue:worker-id:a/*");
        assertThat(auth.satisfies(ScopeExpression.allOf(ScopeExpression.scope("queue:claim-work:a/b"),
                ScopeExpression.scope("queue:worker-id:a/w1")))).isTrue();
    }

    @Test
    void nodeHeaderWithTemporaryCredentialsAuthenticates() {
        // hawk.client.header(URL, 'POST', {credentials: {id: 'issuer', key: <temporary token>}, timestamp:
        //   1700000100, nonce: 'xyz', ext: base64({certificate})}) with the certificate of TemporaryCredentialsTest
        String nodeHeader = "Hawk id=\"issuer\", ts=\"1700000100\", nonce=\"xyz\", ext=\"eyJjZXJ0aWZpY2F0ZSI6eyJ2"
                + "ZXJzaW9uIjoxLCJzY29wZXMiOlsicXVldWU6Y2xhaW0td29yazphL2IiLCJhc3N1bWU6d29ya2VyLXR5cGU6YS9iIl0sInN0"
                + "YXJ0IjoxNzAwMDAwMDAwMDAwLCJleHBpcnkiOjE3MDAwMDM2MDAwMDAsInNlZWQiOiItY0k4dTMxVVJveXUyVXJmNjMxS2h3"
                + "eFdLWGoydFpTdldSemMyRkMzdGhxdyIsInNpZ25hdHVyZSI6ImRIbzQvVkNTVkozMkJIOEduK2JHV2pya2U0UkdPTXlJSVg0"
                + "anF3cXh3NTQ9In19\", mac=\"14hMuhU7YcMODHQcknBIba0LckmXlz7kgk2b3+4oqvQ=\"";
        Authenticator.Authenticated auth = authenticator.authenticate(nodeHeader, "POST", RESOURCE,
                "tc.example.com", 443, null, null);
        assertThat(auth.clientId()).isEqualTo("issuer");
        assertThat(auth.issuer()).isEqualTo("issuer");
        assertThat(auth.expires()).isEqualTo(Instant.ofEpochMilli(1700003600000L));
        assertThat(auth.scopes()).containsExactly("assume:worker-type:a/b", "queue:claim-work:a/b",
                "queue:worker-id:a/*");
    }

    @Test
    void namedTemporaryCredentialsAndAuthorizedScopesNarrow() {
        TemporaryCredentials temp = TemporaryCredentials.create("issuer", "issuer-secret-token",
                List.of("a:x", "a:y"), NOW.minusSeconds(10), NOW.plus(Duration.ofHours(1)), "named-run");
        Authenticator.Authenticated auth = signedAs(temp.clientId(), temp.accessToken(),
                Ext.encode(temp.certificate(), List.of("a:x")));
        assertThat(auth.clientId()).isEqualTo("named-run");
        assertThat(auth.scopes()).containsExactly("a:x");

        assertThatThrownBy(() -> signedAs(temp.clientId(), temp.accessToken(),
                Ext.encode(temp.certificate(), List.of("a:z"))))
                .isInstanceOf(BerthException.class).hasMessageContaining("authorizedScopes [a:z]");
    }

    @Test
    void authorizedScopesMayNameRolesTheClientHolds() {
        Authenticator.Authenticated auth = signedAs("issuer", "issuer-secret-token",
                Ext.encode(null, List.of("assume:worker-type:a/b")));
        assertThat(auth.scopes()).containsExactly("assume:worker-type:a/b", "queue:worker-id:a/*");
    }

    @Test
    void certificateSignedWithWrongIssuerTokenFails() {
        TemporaryCredentials forged = TemporaryCredentials.create("issuer", "guessed-token", List.of("a:x"),
                NOW, NOW.plusSeconds(60), null);
        assertThatThrownBy(() -> signedAs(forged.clientId(), forged.accessToken(),
                Ext.encode(forged.certificate(), null)))
                .isInstanceOf(BerthException.class)
                .satisfies(e -> assertThat(((BerthException) e).kind())
                        .isEqualTo(BerthException.Kind.AUTHENTICATION_FAILED))
                .hasMessageContaining("signature is not valid");
    }

    @Test
    void rejectsUnknownDisabledExpiredAndWrongKey() {
        assertThatThrownBy(() -> signedAs("nobody", "x", null)).hasMessageContaining("unknown clientId nobody");
        assertThatThrownBy(() -> signedAs("off", "t", null)).hasMessageContaining("disabled");
        assertThatThrownBy(() -> signedAs("old", "t", null)).hasMessageContaining("expired");
        assertThatThrownBy(() -> signedAs("issuer", "wrong", null)).hasMessageContaining("mac");
        assertThatThrownBy(() -> signedAs("issuer", "issuer-secret-token", "not base64 json!"))
                .hasMessageContaining("ext");
    }

    @Test
    void bewitAuthenticates() {
        URI signed = Hawk.bewitUrl(URI.create("https://tc.example.com/api/queue/v1/task/x/artifacts/a"), "issuer",
                "issuer-secret-token", null, Duration.ofMinutes(10), NOW);
        Authenticator.Authenticated auth = authenticator.authenticateBewit("GET", Hawk.resourceOf(signed),
                "tc.example.com", 443);
        assertThat(auth.clientId()).isEqualTo("issuer");
    }
}
