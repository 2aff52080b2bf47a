package dev.berth.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written timestamp formatter and parser agree with java.time's. */
class JsonTimestampTest {

    private static final DateTimeFormatter REFERENCE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void formatAndParseMatchJavaTime() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000));
            String text = Json.format(t);
            assertThat(text).isEqualTo(REFERENCE.format(t));
            assertThat(Json.parseMillis(text)).isEqualTo(t.truncatedTo(ChronoUnit.MILLIS));
        }
        assertThat(Json.format(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(Json.format(Instant.parse("1969-12-31T23:59:59.999Z"))).isEqualTo("1969-12-31T23:59:59.999Z");
    }

    @Test
    void otherShapesFallBackToTheGeneralParser() {
        assertThat(Json.parseMillis("2024-02-30T00:00:00.000Z")).isNull();
        assertThat(Json.parseMillis("2024-01-01T00:00:00Z")).isNull();
        assertThat(Json.read("\"2024-01-01T00:00:00Z\"", Instant.class)).isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
        assertThat(Json.read("\"2024-01-01T00:00:00.123456Z\"", Instant.class))
                .isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
        assertThat(Json.read("\"2024-02-29T10:11:12.345Z\"", Instant.class))
                .isEqualTo(Instant.parse("2024-02-29T10:11:12.345Z"));
    }
}
