package io.provisioner.connect;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Settings;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.ports.KeyPolicy;
import io.provisioner.core.topics.Topics;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Kafka Connect single message transform that turns Debezium PostgreSQL change events of the captured owner
 * tables into provisioning requests (CONTRACT section 6): topic {@code <topic.prefix>.requests}, key
 * {@code <owner_type>:<owner_id>} (string schema), value the request's JSON as bytes (bytes schema), no
 * headers. Every other record (heartbeats, logical messages, truncates, transaction metadata, tombstones,
 * rows of other tables) is dropped. The embedded engine of cdc-bridge publishes through this same class, so
 * that both deployments write the same bytes; the worker must write them unchanged, with
 * {@code key.converter=org.apache.kafka.connect.storage.StringConverter} and
 * {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}.
 *
 * <p>Settings: {@code tables} (as {@code CDC_TABLES}, default {@code public.organizations,public.teachers}),
 * {@code topic.prefix} (as {@code PROVISIONER_TOPIC_PREFIX}, default {@code provisioning}) and
 * {@code policies.table} (default {@code ai_key_policies} in the schema of the captured tables: a change of a
 * policy row becomes an upsert request for the owner it names).
 *
 * <p>{@code requested_at} is the time the record passes through the transform. Thread-safe once configured.
 *
 * @param <R> the record type; {@code SourceRecord} in a source connector's pipeline
 */
public final class ProvisioningRequestTransform<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String TABLES = "tables";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String POLICIES_TABLE = "policies.table";

    static final ConfigDef CONFIG = new ConfigDef()
            .define(
                    TABLES,
                    ConfigDef.Type.LIST,
                    Settings.CDC_TABLES.defaultValue(),
                    ConfigDef.Importance.HIGH,
                    "captured tables, one per owner type; owner type = singular of the table name (as CDC_TABLES)")
            .define(
                    TOPIC_PREFIX,
                    ConfigDef.Type.STRING,
                    Settings.PROVISIONER_TOPIC_PREFIX.defaultValue(),
                    ConfigDef.Importance.HIGH,
                    "prefix of the requests topic <prefix>.requests (as PROVISIONER_TOPIC_PREFIX)")
            .define(
                    POLICIES_TABLE,
                    ConfigDef.Type.STRING,
                    "",
                    ConfigDef.Importance.MEDIUM,
                    "schema-qualified ai_key_policies, whose changes re-request the owner a row names; empty: "
                            + KeyPolicy.TABLE + " in the schema of the captured tables");

    private final Clock clock;
    private ChangeRecordMapper mapper;
    private String topic;

    /** As Connect creates it: {@code requested_at} from the system clock. */
    public ProvisioningRequestTransform() {
        // Connect instantiates the transform by class name: this is its composition root
        this(Clock.systemUTC());
    }

    /** As the embedded engine creates it, with the pipeline's clock; {@link #configure} follows. */
    public ProvisioningRequestTransform(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig config = new AbstractConfig(CONFIG, configs);
        List<String> tables = config.getList(TABLES);
        String prefix = config.getString(TOPIC_PREFIX);
        try {
            Map<String, String> owners = ProvisionerConfig.Cdc.ownerTypes(tables, TABLES);
            String policies = config.getString(POLICIES_TABLE);
            this.mapper = new ChangeRecordMapper(
                    owners, policies.isBlank() ? ProvisionerConfig.Cdc.policiesTable(owners) : policies);
            this.topic = new Topics(prefix, 1).requestsRaw().name();
        } catch (io.provisioner.core.config.ConfigException e) {
            throw new ConfigException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TOPIC_PREFIX, prefix, e.getMessage());
        }
    }

    /** The request for a change event, or empty when the record is dropped. */
    public Optional<ProvisionRequest> request(R record) {
        return mapper().map(record, clock.instant());
    }

    /** The record that carries {@code request} to the requests topic, in place of {@code record}. */
    public R requestRecord(R record, ProvisionRequest request) {
        return record.newRecord(
                topic,
                null,
                Schema.STRING_SCHEMA,
                request.owner().key(),
                Schema.BYTES_SCHEMA,
                RequestCodec.encode(request),
                null,
                new ConnectHeaders());
    }

    /** The request record for a change event of a captured table; null (dropped) for anything else. */
    @Override
    public R apply(R record) {
        return request(record).map(r -> requestRecord(record, r)).orElse(null);
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public void close() {
        // holds nothing to release
    }

    private ChangeRecordMapper mapper() {
        if (mapper == null) {
            throw new IllegalStateException("configure() the transform before use");
        }
        return mapper;
    }
}
