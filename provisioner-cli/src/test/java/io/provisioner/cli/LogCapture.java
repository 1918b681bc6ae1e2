package io.provisioner.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Everything logged in this JVM while open, with MDC and full stack traces (so every exception message
 * too), at DEBUG for the provisioner and INFO for the libraries that log their configuration.
 */
final class LogCapture implements AutoCloseable {

    private static final Map<String, Level> LEVELS = Map.of(
            "io.provisioner", Level.DEBUG,
            "io.debezium", Level.INFO,
            "org.apache.kafka.clients", Level.INFO,
            "org.apache.kafka.streams", Level.INFO,
            "org.apache.kafka.connect", Level.INFO,
            "com.zaxxer.hikari", Level.INFO,
            "org.flywaydb", Level.INFO,
            "okhttp3", Level.DEBUG);

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    private final Map<String, Level> before = new HashMap<>();
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    LogCapture() {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level [%thread] %logger %mdc - %msg%n%ex{full}");
        encoder.start();
        appender.setContext(context);
        appender.setName("secret-scan");
        appender.setEncoder(encoder);
        appender.setOutputStream(buffer);
        appender.start();
        LEVELS.forEach((name, level) -> {
            Logger logger = context.getLogger(name);
            before.put(name, logger.getLevel());
            logger.setLevel(level);
        });
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        appender.stop();
        before.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }
}
