package io.provisioner.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The text log format of {@code logback.xml}, as the executable uses it. */
class TextLogFormatTest {

    private static String render(String pattern, Object... args) throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.putProperty("provisioner.log.format", "text");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        configurator.doConfigure(TextLogFormatTest.class.getResource("/logback.xml"));
        Logger logger = ctx.getLogger("io.provisioner.test");
        @SuppressWarnings("unchecked")
        Encoder<ILoggingEvent> encoder = ((OutputStreamAppender<ILoggingEvent>)
                        ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("OUT"))
                .getEncoder();
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, pattern, null, args);
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        ctx.stop();
        return line;
    }

    @Test
    void newlineInAnOwnerIdCannotForgeALogLine() throws Exception {
        String line = render("attempt 1/8 for {} failed", "teacher:1\n00:00:00.000 ERROR [main] forged - key leaked");

        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n", "\r");
        assertThat(line).contains("for teacher:1\\n00:00:00.000 ERROR [main] forged - key leaked failed");
    }

    @Test
    void otherControlCharactersAreEscapedAndPlainTextIsKept() throws Exception {
        assertThat(render("owner {}", "a\r\tb\u0007c\u2028d")).contains("owner a\\r\\tb\\u0007c\\u2028d");
        assertThat(render("owner {}", "organization:O'Brien \uD83C\uDF93"))
                .contains("owner organization:O'Brien \uD83C\uDF93");
    }
}
