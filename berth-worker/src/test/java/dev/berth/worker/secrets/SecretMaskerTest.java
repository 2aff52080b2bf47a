package dev.berth.worker.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {

    /** Feeds {@code text} in pieces cut at {@code cuts} (byte offsets) and returns all that came out. */
    private static String feed(List<String> secrets, String text, int... cuts) {
        SecretMasker m = new SecretMasker(secrets);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            out.writeBytes(m.write(Arrays.copyOfRange(bytes, from, cut)));
            from = cut;
        }
        out.writeBytes(m.write(Arrays.copyOfRange(bytes, from, bytes.length)));
        out.writeBytes(m.flush());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aValueInOneChunkIsMasked() {
        assertThat(feed(List.of("hunter2"), "the password is hunter2, ok\n")).isEqualTo("the password is [secret], ok\n");
    }

    @Test
    void aValueSplitAcrossTwoChunksIsMasked() {
        String text = "token=s3cr3t-value end";
        for (int cut = 0; cut <= text.length(); cut++) {
            assertThat(feed(List.of("s3cr3t-value"), text, cut)).as("cut at %d", cut).isEqualTo("token=[secret] end");
        }
    }

    @Test
    void aValueSplitIntoSingleBytesIsMasked() {
        String text = "a hunter2 b hunter2";
        int[] cuts = new int[text.length() - 1];
        for (int i = 0; i < cuts.length; i++) cuts[i] = i + 1;
        assertThat(feed(List.of("hunter2"), text, cuts)).isEqualTo("a [secret] b [secret]");
    }

    @Test
    void holdsBackLessThanTheLongestValueAndOnlyWhatCouldStartOne() {
        SecretMasker m = new SecretMasker(List.of("abcdef"));
        // nothing here could begin the value: all of it comes out at once
        assertThat(new String(m.write("xyz".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)).isEqualTo("xyz");
        // "abcde" could: held back, at most length - 1 bytes
        assertThat(m.write("12abcde".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8).isEqualTo("12");
        assertThat(m.write("Z".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8).isEqualTo("abcdeZ");
        assertThat(m.write("abc".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(m.flush()).asString(StandardCharsets.UTF_8).isEqualTo("abc");
    }

    @Test
    void overlappingValuesAreMaskedAsOneRegionSoNoPartShows() {
        // "xab" and "abcdef" overlap in "xabcdef": neither value may show in part
        assertThat(feed(List.of("xab", "abcdef"), "1 xabcdef 2")).isEqualTo("1 [secret] 2");
        // one value inside another
        assertThat(feed(List.of("pass", "password123"), "p=password123 q=pass")).isEqualTo("p=[secret] q=[secret]");
        // the shorter matches first but the longer goes on
        assertThat(feed(List.of("abc", "abcdefgh"), "..abcdefgh..abcd")).isEqualTo("..[secret]..[secret]d");
    }

    @Test
    void utf8ValuesAreMaskedWhereverTheBytesAreCut() {
        String secret = "pässwörd-€-🔑";
        String text = "ünïcode " + secret + " → done";
        int len = text.getBytes(StandardCharsets.UTF_8).length;
        for (int cut = 0; cut <= len; cut++) {
            assertThat(feed(List.of(secret), text, cut)).as("cut at byte %d", cut).isEqualTo("ünïcode [secret] → done");
        }
    }

    @Test
    void randomSplitsOfRandomTextNeverLetAValueThrough() {
        Random random = new Random(8);
        List<String> secrets = List.of("sekrit", "krit-99", "Zz€", "token_ABCDEFGHIJ");
        String alphabet = "sekrit-9Zz€ABCtoken_ \n";
        for (int round = 0; round < 2000; round++) {
            StringBuilder b = new StringBuilder();
            int parts = 1 + random.nextInt(8);
            for (int p = 0; p < parts; p++) {
                if (random.nextInt(3) == 0) b.append(secrets.get(random.nextInt(secrets.size())));
                for (int k = random.nextInt(6); k > 0; k--) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = b.toString();
            int len = text.getBytes(StandardCharsets.UTF_8).length;
            List<Integer> cuts = new ArrayList<>();
            for (int c = 0; c < len; c++) if (random.nextInt(4) == 0) cuts.add(c);
            String once = feed(secrets, text);
            String split = feed(secrets, text, cuts.stream().mapToInt(Integer::intValue).toArray());
            assertThat(split).as("text %s cut at %s", text, cuts).isEqualTo(once);
            for (String s : secrets) assertThat(split).as("text %s", text).doesNotContain(s);
        }
    }

    @Test
    void withoutSecretsTheStreamPassesUnchanged() {
        assertThat(feed(List.of(), "anything at all", 3, 7)).isEqualTo("anything at all");
    }

    @Test
    void aValueAddedLaterIsMaskedFromThenOn() {
        SecretMasker m = new SecretMasker();
        assertThat(m.write("early abc ".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8).isEqualTo("early abc ");
        m.add("abc");
        assertThat(m.write("late abc".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8).isEqualTo("late ");
        // the marker of a value that ends the chunk waits: a value right after it joins the same region
        assertThat(m.write("!".getBytes(StandardCharsets.UTF_8))).asString(StandardCharsets.UTF_8).isEqualTo("[secret]!");
        m.write(" abc".getBytes(StandardCharsets.UTF_8));
        assertThat(m.flush()).asString(StandardCharsets.UTF_8).isEqualTo("[secret]");
    }
}
