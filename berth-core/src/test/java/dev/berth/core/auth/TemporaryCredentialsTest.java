package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.BerthException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Certificates made by taskcluster-client 55's createTemporaryCredentials, hard-coded. */
class TemporaryCredentialsTest {

    private static final String ISSUER_TOKEN = "issuer-secret-token";
    private static final Instant START = Instant.ofEpochMilli(1700000000000L);
    private static final Instant EXPIRY = Instant.ofEpochMilli(1700003600000L);

    // createTemporaryCredentials({credentials: {clientId: 'issuer', accessToken: 'issuer-secret-token'},
    //   scopes: ['queue:claim-work:a/b', 'assume:worker-type:a/b'], start, expiry})
    static final String NODE_UNNAMED_CERT = "{\"version\":1,\"scopes\":[\"queue:claim-work:a/b\","
            + "\"assume:worker-type:a/b\"],\"start\":1700000000000,\"expiry\":1700003600000,"
            + "\"seed\":\"-cI8u31URoyu2Urf631KhwxWKXj2tZSvWRzc2FC3thqw\","
            + "\"signature\":\"dHo4/VCSVJ32BH8Gn+bGWjrke4RGOMyIIX4jqwqxw54=\"}";
    static final String NODE_UNNAMED_TOKEN = "AvtmFdxcz-bHhcJIbdAf_d-Ugy2OLo3ci-fHtJcxpLk";
    // Same issuer, clientId: 'named-temp', scopes ['a:b'].
    static final String NODE_NAMED_CERT = "{\"version\":1,\"scopes\":[\"a:b\"],\"start\":1700000000000,"
            + "\"expiry\":1700003600000,\"seed\":\"l05WtUHCRVWypBSQlUMr6AvDSWSQxQQ8iYMwgHKJu5vQ\","
            + "\"signature\":\"kMm7X0SRt3oJE2LD/S3hMYveARmconDUqWY2LpOxILw=\",\"issuer\":\"issuer\"}";
    static final String NODE_NAMED_TOKEN = "zG7GWCDmDNuy14OVs1YXE8kpYvYuHNWUgtvEcbBhsS8";

    private static final List<String> ISSUER_SCOPES = List.of("queue:*", "assume:worker-type:*",
            "auth:create-client:named-*", "a:*");

    @Test
    void nodeUnnamedCertificateVerifiesAndDerivesTheSameToken() {
        Certificate cert = Certificate.fromJson(NODE_UNNAMED_CERT);
        cert.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START.plusSeconds(60));
        assertThat(cert.temporaryAccessToken(ISSUER_TOKEN)).isEqualTo(NODE_UNNAMED_TOKEN);
        assertThat(cert.toJsonString()).isEqualTo(NODE_UNNAMED_CERT);
    }

    @Test
    void nodeNamedCertificateVerifies() {
        Certificate cert = Certificate.fromJson(NODE_NAMED_CERT);
        assertThat(cert.issuer()).isEqualTo("issuer");
        cert.verify("named-temp", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START);
        assertThat(cert.temporaryAccessToken(ISSUER_TOKEN)).isEqualTo(NODE_NAMED_TOKEN);
        assertThat(cert.toJsonString()).isEqualTo(NODE_NAMED_CERT);
        // The name is part of the signature: another clientId cannot use this certificate.
        assertThatThrownBy(() -> cert.verify("named-other", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START))
                .isInstanceOf(BerthException.class).hasMessageContaining("signature");
    }

    @Test
    void javaMadeCredentialsVerifyAndMatchNodeFormat() {
        TemporaryCredentials creds = TemporaryCredentials.create("issuer", ISSUER_TOKEN,
                List.of("queue:claim-work:a/b"), START, EXPIRY, null);
        assertThat(creds.clientId()).isEqualTo("issuer");
        assertThat(creds.certificate()).startsWith("{\"version\":1,\"scopes\":[\"queue:claim-work:a/b\"],"
                + "\"start\":1700000000000,\"expiry\":1700003600000,\"seed\":\"");
        Certificate cert = creds.parsedCertificate();
        assertThat(cert.seed()).hasSize(44);
        cert.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START);
        assertThat(cert.temporaryAccessToken(ISSUER_TOKEN)).isEqualTo(creds.accessToken());

        TemporaryCredentials named = TemporaryCredentials.create("issuer", ISSUER_TOKEN, List.of("a:b"), START,
                EXPIRY, "named-x");
        assertThat(named.clientId()).isEqualTo("named-x");
        assertThat(named.certificate()).endsWith(",\"issuer\":\"issuer\"}");
        named.parsedCertificate().verify("named-x", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START);
    }

    @Test
    void tamperedCertificateIsRejected() {
        ObjectNode json = Certificate.fromJson(NODE_UNNAMED_CERT).toJson();
        json.putArray("scopes").add("queue:claim-work:a/b").add("assume:worker-type:*");
        Certificate widened = Certificate.fromJson(json);
        assertThatThrownBy(() -> widened.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START))
                .isInstanceOf(BerthException.class).hasMessageContaining("signature is not valid");
        json = Certificate.fromJson(NODE_UNNAMED_CERT).toJson();
        json.put("expiry", 1700007200000L);
        Certificate extended = Certificate.fromJson(json);
        assertThatThrownBy(() -> extended.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START))
                .hasMessageContaining("signature");
        Certificate good = Certificate.fromJson(NODE_UNNAMED_CERT);
        assertThatThrownBy(() -> good.verify("issuer", "issuer", "wrong-token", ISSUER_SCOPES, START))
                .hasMessageContaining("signature");
    }

    @Test
    void validityWindowIsEnforced() {
        Certificate cert = Certificate.fromJson(NODE_UNNAMED_CERT);
        assertThatThrownBy(() -> cert.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES,
                EXPIRY.plus(Duration.ofMinutes(16))))
                .isInstanceOf(BerthException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> cert.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES,
                START.minus(Duration.ofMinutes(16))))
                .hasMessageContaining("not valid before");
        // within the skew allowance both ends still work
        cert.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, EXPIRY.plus(Duration.ofMinutes(14)));
    }

    @Test
    void lifetimeSeedAndVersionLimits() {
        assertThatThrownBy(() -> TemporaryCredentials.create("issuer", ISSUER_TOKEN, List.of(), START,
                START.plus(Duration.ofDays(31)).plusMillis(1), null)).hasMessageContaining("31 days");
        TemporaryCredentials longest = TemporaryCredentials.create("issuer", ISSUER_TOKEN, List.of(), START,
                START.plus(Duration.ofDays(31)), null);
        longest.parsedCertificate().verify("issuer", "issuer", ISSUER_TOKEN, List.of(), START);

        Certificate cert = Certificate.fromJson(NODE_UNNAMED_CERT);
        Certificate shortSeed = new Certificate(1, cert.scopes(), cert.start(), cert.expiry(), "short",
                cert.signature(), null);
        assertThatThrownBy(() -> shortSeed.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START))
                .hasMessageContaining("seed");
        Certificate v2 = new Certificate(2, cert.scopes(), cert.start(), cert.expiry(), cert.seed(),
                cert.signature(), null);
        assertThatThrownBy(() -> v2.verify("issuer", "issuer", ISSUER_TOKEN, ISSUER_SCOPES, START))
                .hasMessageContaining("version");
    }

    @Test
    void issuerMustHoldTheCertificateScopes() {
        Certificate cert = Certificate.fromJson(NODE_UNNAMED_CERT);
        assertThatThrownBy(() -> cert.verify("issuer", "issuer", ISSUER_TOKEN, List.of("queue:*"), START))
                .isInstanceOf(BerthException.class).hasMessageContaining("assume:worker-type:a/b");
        Certificate named = Certificate.fromJson(NODE_NAMED_CERT);
        assertThatThrownBy(() -> named.verify("named-temp", "issuer", ISSUER_TOKEN, List.of("a:*"), START))
                .hasMessageContaining("auth:create-client:named-temp");
    }

    @Test
    void namedCredentialsNeedADifferentName() {
        assertThatThrownBy(() -> TemporaryCredentials.create("issuer", ISSUER_TOKEN, List.of(), START, EXPIRY,
                "issuer")).isInstanceOf(BerthException.class);
    }
}
