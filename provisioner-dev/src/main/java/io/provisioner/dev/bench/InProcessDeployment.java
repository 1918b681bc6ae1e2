package io.provisioner.dev.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --one-jvm}: every instance a {@link Pipeline} in the bench's JVM, beside the servers and the
 * simulator; each scenario's application id and group of its own ({@link Pipeline.Overrides}).
 */
final class InProcessDeployment implements Deployment {

    @Override
    public String mode() {
        return "one JVM (quick runs; everything in the bench JVM)";
    }

    @Override
    public boolean separateProcesses() {
        return false;
    }

    @Override
    public List<Set<Components>> layout(int provisioners) {
        List<Set<Components>> out = new ArrayList<>();
        out.add(EnumSet.allOf(Components.class));
        for (int i = 1; i < provisioners; i++) {
            out.add(EnumSet.of(Components.PROVISIONER));
        }
        return out;
    }

    @Override
    public String streamGroup(String schema) {
        return schema + "-stream";
    }

    @Override
    public Instance start(String schema, int index, Map<String, String> settings, Set<Components> components) {
        // one registry per instance: a registry gets its meter filters from the one Pipeline that fills it
        Pipeline pipeline = new Pipeline(
                        ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty())),
                        components,
                        new SimpleMeterRegistry(),
                        new Pipeline.Overrides(
                                Map.of("application.id", streamGroup(schema)),
                                Map.of("group.id", schema + "-retry"),
                                Map.of()))
                .start();
        return new Instance() {
            @Override
            public String kind() {
                return Deployment.kind(components);
            }

            @Override
            public Set<Components> components() {
                return components;
            }

            @Override
            public Optional<Long> rss() {
                return Optional.empty();
            }

            @Override
            public double awaitReady(Duration timeout) {
                return Double.NaN;
            }

            @Override
            public String tail(int lines) {
                return "";
            }

            @Override
            public void close() {
                pipeline.close();
            }
        };
    }
}
