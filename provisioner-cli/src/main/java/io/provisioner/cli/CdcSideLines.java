package io.provisioner.cli;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.db.slot.ReplicationSlots;
import io.provisioner.db.slot.SlotReading;
import io.provisioner.runtime.connect.ConnectClient;
import io.provisioner.runtime.connect.ConnectorStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The CDC side for {@code status} and {@code lag}: the replication slot, and the connector on Kafka Connect
 * when {@code CDC_CONNECT_URL} is set.
 */
final class CdcSideLines {

    private CdcSideLines() {}

    static SlotReading slot(DataSource ds, ProvisionerConfig config) {
        try {
            return new ReplicationSlots(ds).read(config.cdc().slotName());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read pg_replication_slots: " + e.getMessage(), e);
        }
    }

    static String slotLine(SlotReading r) {
        if (r.lost()) {
            return "replication slot " + r.slot() + ": LOST (wal_status lost, it can never be read again): drop it"
                    + " with select pg_drop_replication_slot('" + r.slot() + "'), and see docs/operations.md,"
                    + " 'The replication slot is lost'";
        }
        if (!r.exists()) {
            return "replication slot " + r.slot() + ": MISSING (not created yet, or dropped: cdc creates it when it"
                    + " starts; see docs/operations.md, 'The replication slot is lost')";
        }
        return "replication slot " + r.slot() + ": " + r.status() + ", " + (r.active() ? "active" : "INACTIVE")
                + ", retains " + r.retainedBytes() + " bytes of WAL"
                + r.safeWalSize()
                        .map(s -> ", " + s + " bytes before it may be invalidated")
                        .orElse("");
    }

    static Map<String, Object> slotJson(SlotReading r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.slot());
        m.put("status", r.status());
        m.put("active", r.active());
        m.put("retained_bytes", r.retainedBytes());
        m.put("safe_wal_size", r.safeWalSize().orElse(null));
        return m;
    }

    /** The connector's state, when CDC runs on Kafka Connect. */
    static java.util.Optional<ConnectorStatus> connector(ProvisionerConfig config) {
        return config.cdc().connectUrl().map(u -> new ConnectClient(u).status());
    }

    static Map<String, Object> connectorJson(ConnectorStatus c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.connector());
        m.put("state", c.state());
        m.put("detail", c.detail());
        List<Map<String, Object>> tasks = new ArrayList<>();
        for (ConnectorStatus.Task t : c.tasks()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("id", t.id());
            tm.put("state", t.state());
            tm.put("worker_id", t.workerId());
            tm.put("error", t.error());
            tasks.add(tm);
        }
        m.put("tasks", tasks);
        return m;
    }
}
