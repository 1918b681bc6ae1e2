package io.provisioner.stream.fakes;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.KeyNames;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.stream.ProvisioningService;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A {@link ProvisioningService} over the given ports, with the settings of {@code env}, and no waits. */
public final class TestServices {

    private TestServices() {}

    public static ProvisioningService service(KeysApi api, KeyStore store, Map<String, String> env) {
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
        return new ProvisioningService(
                api,
                store,
                new NoWaitRateLimiter(),
                config.limits(),
                KeyNames.UNPREFIXED,
                new SimpleMeterRegistry(),
                Duration.ZERO,
                RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
    }
}
