package io.provisioner.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.core.config.ProvisionerConfig;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service, built in this one place for {@code provisioner run} and {@code provisioner dev}: the
 * chosen components ({@link Pipeline}) and the ops HTTP server ({@code /metrics}, {@code /health}), stopped
 * together by {@link #close()} or by SIGTERM. The ops server answers while the components start.
 */
public final class Service implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Service.class);

    private final Pipeline pipeline;
    private final OpsHttpServer ops;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Service(Pipeline pipeline, OpsHttpServer ops) {
        this.pipeline = pipeline;
        this.ops = ops;
    }

    /**
     * Checks the settings the components need, starts the ops server, then the components, and stops both
     * on SIGTERM.
     *
     * @throws io.provisioner.core.config.ConfigException naming the setting, when one is missing or refused
     * @throws IOException when the ops server cannot listen on its address
     */
    public static Service start(ProvisionerConfig config, Set<Components> components) throws IOException {
        PublishedDemoKey.refuseOutsideTheSimulator(config);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pipeline pipeline = new Pipeline(config, components, registry, Pipeline.Overrides.none());
        Service service = new Service(
                pipeline,
                new OpsHttpServer(
                        config.http().bind(), config.http().port(), registry, pipeline::health, pipeline::liveness));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "shutdown"));
        try {
            pipeline.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        LOG.info(
                "running {}; /metrics and /health on {}:{}",
                components,
                config.http().bind(),
                service.opsPort());
        return service;
    }

    /** The port of {@code /metrics} and {@code /health} (the chosen one when the setting is 0). */
    public int opsPort() {
        return ops.port();
    }

    /** Blocks until {@link #close()} (or SIGTERM) has stopped the service. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops the components, then the ops server; once, whoever calls first. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("shutting down");
        pipeline.close();
        ops.close();
        stopped.countDown();
    }
}
