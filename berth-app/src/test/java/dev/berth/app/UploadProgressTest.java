package dev.berth.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UploadProgressTest {

    @Test
    void aLineShowsTheBarThePercentageAndTheSizes() {
        assertThat(UploadProgress.line("context", 0, 2 * 1048576, 10)).isEqualTo("context [          ]   0%  0.0 of 2.0 MiB");
        assertThat(UploadProgress.line("context", 1048576, 2 * 1048576, 10)).isEqualTo("context [#####     ]  50%  1.0 of 2.0 MiB");
        assertThat(UploadProgress.line("context", 2 * 1048576, 2 * 1048576, 10)).isEqualTo("context [##########] 100%  2.0 of 2.0 MiB");
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndEndsAt100Percent() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] body = new byte[300_000];
        try (PrintStream out = new PrintStream(err, true, StandardCharsets.UTF_8);
             InputStream in = UploadProgress.of(new ByteArrayInputStream(body), body.length, "context", out, true)) {
            assertThat(in.readAllBytes()).hasSize(body.length);
        }
        String drawn = err.toString(StandardCharsets.UTF_8);
        assertThat(drawn).startsWith("\rcontext [").contains("100%").endsWith(System.lineSeparator());
    }

    @Test
    void pipedNothingIsDrawnAndTheBytesPassUnchanged() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] body = "the context".getBytes(StandardCharsets.UTF_8);
        try (PrintStream out = new PrintStream(err, true, StandardCharsets.UTF_8);
             InputStream in = UploadProgress.of(new ByteArrayInputStream(body), body.length, "context", out, false)) {
            assertThat(in.readAllBytes()).isEqualTo(body);
        }
        assertThat(err.size()).isZero();
    }
}
