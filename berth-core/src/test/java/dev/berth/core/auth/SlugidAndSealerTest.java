package dev.berth.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.BerthException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlugidAndSealerTest {

    @Test
    void niceSlugsMatchTaskclusterPatternAndNeverStartWithDash() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            String slug = Slugid.nice();
            assertThat(slug).hasSize(22);
            assertThat(Slugid.isValid(slug)).as(slug).isTrue();
            assertThat(slug.charAt(0)).isNotEqualTo('-').isIn(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef".chars().mapToObj(c -> (char) c).toArray());
            seen.add(slug);
            assertThat(Slugid.isValid(Slugid.v4())).isTrue();
        }
        assertThat(seen).hasSize(5000);
    }

    @Test
    void validatorAcceptsNodeSlugsAndRejectsOthers() {
        // produced by slugid.nice() and slugid.v4() in node
        assertThat(Slugid.isValid("NrrWC130RXqj1uBVrz80dQ")).isTrue();
        assertThat(Slugid.isValid("UpiQwlUZTlCuJol7ZF9Ylg")).isTrue();
        assertThat(Slugid.isValid("fQ2N3UEWRGG1ViD45ab6Pw")).isTrue();
        assertThat(Slugid.isValid("-cI8u31URoyu2Urf631Khw")).isTrue();
        assertThat(Slugid.isValid("fQ2N3UEWRGG1ViD45ab6P")).isFalse();
        assertThat(Slugid.isValid("fQ2N3UEWAGG1ViD45ab6Pw")).isFalse(); // version nibble not 4
        assertThat(Slugid.isValid("fQ2N3UEWRGG1ViD45ab6Pz")).isFalse(); // trailing bits set
        assertThat(Slugid.isValid(null)).isFalse();
    }

    @Test
    void accessTokensAre44UrlSafeCharacters() {
        String token = TokenSealer.generateAccessToken();
        assertThat(token).hasSize(44).matches("[A-Za-z0-9_-]{44}");
        assertThat(TokenSealer.generateAccessToken()).isNotEqualTo(token);
    }

    @Test
    void sealRoundTripsAndIsBoundToKeyAndClient() {
        TokenSealer sealer = TokenSealer.fromBase64(TokenSealer.generateKey());
        String sealed = sealer.seal("client-a", "secret-token");
        assertThat(sealed).startsWith("v1.").doesNotContain("secret-token");
        assertThat(sealer.seal("client-a", "secret-token")).isNotEqualTo(sealed); // fresh IV each time
        assertThat(sealer.unseal("client-a", sealed)).isEqualTo("secret-token");
        assertThatThrownBy(() -> sealer.unseal("client-b", sealed)).isInstanceOf(BerthException.class)
                .hasMessageContaining("does not unseal");
        TokenSealer other = TokenSealer.fromBase64(TokenSealer.generateKey());
        assertThatThrownBy(() -> other.unseal("client-a", sealed)).isInstanceOf(BerthException.class);
        String flipped = sealed.substring(0, 10) + (sealed.charAt(10) == 'A' ? 'B' : 'A') + sealed.substring(11);
        assertThatThrownBy(() -> sealer.unseal("client-a", flipped)).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> sealer.unseal("client-a", "plain")).isInstanceOf(BerthException.class);
    }

    @Test
    void keyMustBe32Bytes() {
        assertThatThrownBy(() -> new TokenSealer(new byte[16])).hasMessageContaining("32 bytes");
    }
}
