package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.events.Json;
import io.provisioner.core.logging.RecordMdc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code LOG_FORMAT=json}: the shipped logback configuration writes the record's position as fields. */
class LogFormatTest {

    /** The shipped configuration, not the tests' logback-test.xml. */
    private static void configure(LoggerContext ctx, URL config) throws Exception {
        ctx.reset();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(ctx);
        joran.doConfigure(config);
    }

    @Test
    void jsonLinesCarryOwnerTopicPartitionAndOffsetOfTheRecordBeingProcessed() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        String before = System.getProperty(LogSetup.FORMAT_PROPERTY);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setProperty(LogSetup.FORMAT_PROPERTY, "json");
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            configure(ctx, LogFormatTest.class.getResource("/logback.xml"));
            try (RecordMdc mdc = RecordMdc.of("teacher:t-1", "provisioning.requests", 2, 41)) {
                LoggerFactory.getLogger("io.provisioner.test").warn("attempt {}/{} failed", 3, 8);
            }
        } finally {
            System.setErr(err);
            if (before == null) {
                System.clearProperty(LogSetup.FORMAT_PROPERTY);
            } else {
                System.setProperty(LogSetup.FORMAT_PROPERTY, before);
            }
            ctx.reset();
            new ContextInitializer(ctx).autoConfig();
        }

        String line = captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains("io.provisioner.test"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("not logged: " + captured));
        JsonNode json = Json.MAPPER.readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("formattedMessage").asText()).isEqualTo("attempt 3/8 failed");
        JsonNode mdc = json.get("mdc");
        assertThat(mdc.get("owner").asText()).isEqualTo("teacher:t-1");
        assertThat(mdc.get("topic").asText()).isEqualTo("provisioning.requests");
        assertThat(mdc.get("partition").asText()).isEqualTo("2");
        assertThat(mdc.get("offset").asText()).isEqualTo("41");
    }
}
