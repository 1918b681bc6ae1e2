package io.provisioner.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.core.config.ProvisionerConfig;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code provisioner run}: the pipeline against external Kafka, Postgres and OpenRouter, until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the pipeline components until SIGTERM.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--components",
            defaultValue = "cdc,provisioner,retry",
            paramLabel = "LIST",
            description = "comma-separated: cdc, provisioner, retry (default: all three)")
    String components;

    @Override
    public Integer call() throws Exception {
        Logger log = LoggerFactory.getLogger(RunCommand.class);
        Set<Components> chosen = Components.parse(components);
        ProvisionerConfig config = options.load();
        PublishedDemoKey.refuseOutsideTheSimulator(config);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pipeline pipeline = new Pipeline(config, chosen, registry, Pipeline.Overrides.none());
        CountDownLatch stopped = new CountDownLatch(1);
        OpsHttpServer ops =
                new OpsHttpServer(config.http().bind(), config.http().port(), registry, pipeline::health);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("shutting down");
                            pipeline.close();
                            ops.close();
                            stopped.countDown();
                        },
                        "shutdown"));
        pipeline.start();
        log.info(
                "running {}; /metrics and /health on {}:{}",
                chosen,
                config.http().bind(),
                ops.port());
        stopped.await();
        return ProvisionerCli.OK;
    }
}
