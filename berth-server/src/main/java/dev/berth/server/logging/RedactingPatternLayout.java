package dev.berth.server.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's pattern layout with credentials masked in the whole formatted line (message, arguments and stack
 * trace). Use it in a {@code LayoutWrappingEncoder}; Berth's logback.xml and the server log file do.
 */
public class RedactingPatternLayout extends PatternLayout {

    public static final String DEFAULT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

    @Override
    public String doLayout(ILoggingEvent event) {
        return Redactor.redact(super.doLayout(event));
    }
}
