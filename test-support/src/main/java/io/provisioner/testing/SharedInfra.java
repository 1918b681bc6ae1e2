package io.provisioner.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension giving tests the shared {@link Infra}, started on first use and stopped when the JVM
 * exits. Chosen in this order: {@code KAFKA_BOOTSTRAP_SERVERS} and {@code DATABASE_URL} from the
 * environment (external servers); Testcontainers when a Docker engine answers; otherwise an embedded
 * PostgreSQL and an in-process KRaft broker. Use as {@code @ExtendWith(SharedInfra.class)} and take
 * {@code Infra} as a parameter, or call {@link #get()}.
 */
public final class SharedInfra implements BeforeAllCallback, ParameterResolver {

    private static Infra infra;

    public static synchronized Infra get() {
        if (infra == null) {
            infra = start();
            Infra started = infra;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> close(started), "shared-infra-stop"));
        }
        return infra;
    }

    private static Infra start() {
        String kafka = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        String db = System.getenv("DATABASE_URL");
        if (kafka != null && !kafka.isBlank() && db != null && !db.isBlank()) {
            return ExternalInfra.from(kafka, db);
        }
        if (DockerInfra.dockerAvailable()) {
            return DockerInfra.start();
        }
        return EmbeddedInfra.start();
    }

    private static void close(Infra i) {
        if (i instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // the JVM is exiting; nothing left to clean for
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        get();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Infra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return get();
    }
}
