package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.secret.Secret;
import io.provisioner.testing.FreezableProxy;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The leader lock on a real PostgreSQL, reached through a proxy that can cut the network silently. */
@ExtendWith(SharedInfra.class)
class LeaderLockIT {

    @Test
    void holderCutOffFromPostgresLosesLeadershipWithinTheSocketTimeout(Infra infra) throws Exception {
        try (FreezableProxy proxy = FreezableProxy.toPostgres(infra)) {
            String viaProxy = proxy.jdbcUrl(infra);
            DatabaseConfig config = new DatabaseConfig(
                    viaProxy, Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword())));
            LeaderLock lock = new LeaderLock(config, TestNames.unique("slot"), Duration.ofSeconds(3));
            assertThat(lock.tryAcquire()).isTrue();
            assertThat(lock.stillHeld()).isTrue();

            proxy.freeze();
            CompletableFuture<Boolean> check = CompletableFuture.supplyAsync(lock::stillHeld);

            // without a socket timeout the check would wait for PostgreSQL's answer for as long as TCP lets it
            assertThat(check.get(45, TimeUnit.SECONDS)).isFalse();
            assertThat(lock.isHeld()).isFalse();
            lock.close();
        }
    }
}
