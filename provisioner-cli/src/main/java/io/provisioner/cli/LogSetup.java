package io.provisioner.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import io.provisioner.core.config.ProvisionerConfig;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code LOG_FORMAT} and {@code PROVISIONER_LOG_LEVEL} once the settings are read, so that
 * they work from a {@code --config} file as well as from the environment (logback itself only sees the
 * environment when it starts).
 */
final class LogSetup {

    static final String FORMAT_PROPERTY = "provisioner.log.format";

    private LogSetup() {}

    static void apply(ProvisionerConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        String format = config.logFormat().name().toLowerCase(Locale.ROOT);
        if (!format.equals(System.getProperty(FORMAT_PROPERTY))) {
            System.setProperty(FORMAT_PROPERTY, format);
            ctx.reset();
            try {
                new ContextInitializer(ctx).autoConfig();
            } catch (Exception e) {
                // keep the default configuration logback falls back to; the format is cosmetic
            }
        }
        ctx.getLogger("io.provisioner").setLevel(Level.toLevel(config.logLevel().name(), Level.INFO));
    }
}
