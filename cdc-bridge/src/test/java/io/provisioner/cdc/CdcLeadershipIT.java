package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.cdc.CdcFixture.Published;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedInfra.class)
class CdcLeadershipIT {

    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(90);

    private CdcFixture fx;

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        fx = new CdcFixture(infra);
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
    }

    @Test
    void standbyTakesOverWhenTheActiveBridgeCloses() throws Exception {
        CdcBridge a = fx.start("no_data");
        CdcBridge b = fx.start("no_data");
        CdcBridge active = awaitExactlyOneActive(a, b);
        CdcBridge standby = active == a ? b : a;
        fx.awaitStreaming();
        List<UUID> inserted = insert(3, "before");

        active.close();
        inserted.addAll(insert(3, "during"));

        await().atMost(TAKEOVER).until(standby::isActive);
        inserted.addAll(insert(3, "after"));
        awaitAllPublished(inserted);
        assertThat(active.isActive()).isFalse();
    }

    @Test
    void standbyTakesOverWhenTheActiveBridgeLosesItsDatabaseSession() throws Exception {
        CdcBridge a = fx.start("no_data");
        CdcBridge b = fx.start("no_data");
        CdcBridge active = awaitExactlyOneActive(a, b);
        CdcBridge standby = active == a ? b : a;
        fx.awaitStreaming();
        List<UUID> inserted = insert(3, "before");

        fx.killLeaderLockSession();
        inserted.addAll(insert(3, "during"));

        await().atMost(TAKEOVER).until(() -> standby.isActive() && !active.isActive());
        inserted.addAll(insert(3, "after"));
        awaitAllPublished(inserted);
        assertThat(Stream.of(a, b).filter(CdcBridge::isActive)).hasSize(1);
    }

    private CdcBridge awaitExactlyOneActive(CdcBridge a, CdcBridge b) {
        await().atMost(TAKEOVER).until(() -> a.isActive() || b.isActive());
        // both have tried for the lock several times by now
        await().pollDelay(Duration.ofSeconds(2)).atMost(TAKEOVER).until(() -> true);
        assertThat(a.isActive() ^ b.isActive())
                .as("exactly one bridge is active")
                .isTrue();
        return a.isActive() ? a : b;
    }

    private List<UUID> insert(int n, String label) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(fx.insertOrganization(label + " " + i));
        }
        return ids;
    }

    private void awaitAllPublished(List<UUID> ids) {
        List<String> keys = ids.stream().map(id -> "organization:" + id).toList();
        await().atMost(WAIT)
                .untilAsserted(() ->
                        assertThat(fx.published()).extracting(Published::key).containsAll(keys));
    }
}
