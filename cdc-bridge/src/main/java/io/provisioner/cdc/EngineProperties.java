package io.provisioner.cdc;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Settings;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.secret.Secret;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The Debezium embedded engine's settings derived from {@link ProvisionerConfig}: the PostgreSQL
 * connector over pgoutput with a filtered publication, offsets in the compacted
 * {@code <prefix>.cdc-offsets} topic, a heartbeat that keeps an idle slot from pinning WAL, and
 * {@code CDC_SNAPSHOT_MODE=initial} as Debezium's {@code when_needed}, which snapshots again when the slot its
 * offsets point into is gone.
 */
final class EngineProperties {

    static final String HEARTBEAT_PREFIX = "provisioner-heartbeat";
    static final String HEARTBEAT_QUERY =
            "SELECT pg_logical_emit_message(false, '" + HEARTBEAT_PREFIX + "', now()::text)";

    private EngineProperties() {}

    /** Host, port, database and the parameters of a JDBC URL; the first host of a multi-host URL. */
    record JdbcTarget(String host, int port, String database, Map<String, String> params) {

        static JdbcTarget parse(String jdbcUrl) {
            String rest = jdbcUrl.substring("jdbc:postgresql:".length());
            Map<String, String> params = new LinkedHashMap<>();
            int q = rest.indexOf('?');
            if (q >= 0) {
                for (String kv : rest.substring(q + 1).split("&")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        params.put(kv.substring(0, eq).toLowerCase(Locale.ROOT), kv.substring(eq + 1));
                    }
                }
                rest = rest.substring(0, q);
            }
            if (!rest.startsWith("//")) {
                return new JdbcTarget("localhost", 5432, rest.isEmpty() ? "postgres" : rest, params);
            }
            rest = rest.substring(2);
            int slash = rest.indexOf('/');
            String hosts = slash < 0 ? rest : rest.substring(0, slash);
            String db = slash < 0 || slash == rest.length() - 1 ? "postgres" : rest.substring(slash + 1);
            String first = hosts.split(",")[0];
            int colon = first.lastIndexOf(':');
            boolean hasPort = colon > 0 && !first.endsWith("]");
            String host = hasPort ? first.substring(0, colon) : first;
            int port = hasPort ? parsePort(first.substring(colon + 1)) : 5432;
            return new JdbcTarget(host.isEmpty() ? "localhost" : host, port, db, params);
        }

        private static int parsePort(String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new ConfigException(Settings.DATABASE_URL.env(), "has a port that is not a number");
            }
        }
    }

    static Properties build(ProvisionerConfig config) {
        ProvisionerConfig.Cdc cdc = config.cdc();
        Properties p = new Properties();
        // Kafka client settings first, so that nothing below can be overridden by them; the offset store's
        // producer, consumer and admin client each take them all
        KafkaClientSettings.of(config).shared().forEach(p::setProperty);
        p.setProperty("name", "provisioner-cdc-" + cdc.slotName());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", config.topics().cdcOffsets().name());
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", "-1");
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "30000");
        database(p, config.requireDatabase());
        p.setProperty("topic.prefix", "provisioner_cdc_" + cdc.slotName());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", cdc.slotName());
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("slot.max.retries", "10");
        p.setProperty("slot.retry.delay.ms", "2000");
        p.setProperty("publication.name", cdc.publication());
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty(
                "table.include.list", includeList(cdc.tables()) + "," + includeList(Map.of(cdc.policiesTable(), "")));
        // when_needed is initial, and also snapshots again when the slot the offsets point into is gone (dropped,
        // or lost and dropped): the snapshot re-requests every owner, provisioning is idempotent
        p.setProperty(
                "snapshot.mode",
                cdc.snapshotMode() == ProvisionerConfig.SnapshotMode.INITIAL ? "when_needed" : "no_data");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty(
                "heartbeat.interval.ms", Long.toString(cdc.heartbeatInterval().toMillis()));
        p.setProperty("heartbeat.action.query", HEARTBEAT_QUERY);
        p.setProperty("message.prefix.exclude.list", HEARTBEAT_PREFIX);
        // the engine waits this long for changes when idle: the wait is added to every row's latency
        p.setProperty("poll.interval.ms", "10");
        return p;
    }

    private static void database(Properties p, DatabaseConfig db) {
        JdbcTarget target = JdbcTarget.parse(db.jdbcUrl());
        p.setProperty("database.hostname", target.host());
        p.setProperty("database.port", Integer.toString(target.port()));
        p.setProperty("database.dbname", target.database());
        String user = db.user().orElse(target.params().get("user"));
        if (user == null) {
            throw new ConfigException(Settings.DATABASE_USER.env(), "is required by cdc-bridge but not set");
        }
        p.setProperty("database.user", user);
        String password =
                db.password().map(Secret::reveal).orElse(target.params().get("password"));
        if (password != null) {
            p.setProperty("database.password", password);
        }
        String sslmode = target.params().get("sslmode");
        if (sslmode != null) {
            p.setProperty("database.sslmode", sslmode);
        }
    }

    /** Debezium reads the list as regular expressions: dots are escaped so they match only a dot. */
    static String includeList(Map<String, String> tables) {
        return tables.keySet().stream().sorted().map(t -> t.replace(".", "\\.")).collect(Collectors.joining(","));
    }
}
