package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.BerthException;
import dev.berth.core.json.Json;
import dev.berth.server.http.ApiErrors;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A server-side failure answers a generic message with a reference id; the details (SQL, versions) only go to the log. */
class ServerErrorsHideDetailsApiTest {

    /** What H2 put in the body of createRole with a 1,000-character id before ids were checked. */
    private static final String SQL_FAILURE = "database error during insertRole: Value too long for column \"ROLE_ID CHARACTER VARYING(255)\": "
            + "SQL statement: INSERT INTO roles (role_id, description) VALUES (?, ?) [22001-232] (SQLState 22001) H2 2.3.232";

    private Javalin app;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger apiErrors = (Logger) LoggerFactory.getLogger(ApiErrors.class);

    @BeforeEach
    void start() {
        logged.start();
        apiErrors.addAppender(logged);
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            ApiErrors.install(c);
            c.routes.get("/internal", ctx -> { throw new BerthException(BerthException.Kind.INTERNAL, SQL_FAILURE); });
            c.routes.get("/unavailable", ctx -> { throw new BerthException(BerthException.Kind.UNAVAILABLE, SQL_FAILURE); });
            c.routes.get("/bug", ctx -> { throw new IllegalStateException(SQL_FAILURE); });
        }).start();
    }

    @AfterEach
    void stop() {
        app.stop();
        apiErrors.detachAppender(logged);
    }

    @Test
    void internalErrorsShowAReferenceAndNoSqlWhileTheLogHasTheDetails() throws Exception {
        for (String path : new String[] {"/internal", "/unavailable", "/bug"}) {
            HttpResponse<String> r;
            try (HttpClient http = HttpClient.newHttpClient()) {
                r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            assertThat(r.statusCode()).as(path).isBetween(500, 503);
            JsonNode body = Json.MAPPER.readTree(r.body());
            String message = body.get("message").asText();
            assertThat(message).as(path).doesNotContain("INSERT").doesNotContain("SQL").doesNotContain("H2").contains("reference");
            String ref = message.replaceAll("^.*reference ([0-9a-f-]{36}).*$", "$1");
            assertThat(logged.list).as("the log line for " + path)
                    .anySatisfy(e -> {
                        assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                        assertThat(e.getFormattedMessage()).contains(ref);
                        assertThat(e.getThrowableProxy().getMessage()).contains("INSERT INTO roles");
                    });
        }
    }
}
