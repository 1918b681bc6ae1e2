package io.provisioner.connect;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionRequest.Op;
import io.provisioner.core.events.ProvisionRequest.Source;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one Debezium change record into the compact request for {@code <prefix>.requests}, or nothing
 * when the record is no row change of a captured table (heartbeats, logical messages, truncates,
 * tombstones). Insert, update and snapshot read become {@link Op#UPSERT} with the id from {@code after};
 * delete becomes {@link Op#DELETE} with the id from {@code before}. A change of a row of
 * {@code ai_key_policies} (insert, update, delete alike) becomes {@link Op#UPSERT} of the owner its
 * {@code owner_type} and {@code owner_id} name: the policy changed, the owner is looked at again. Pure and
 * thread-safe.
 *
 * <p>Reads the record through Kafka Connect's data API only, never Debezium's classes: in a Connect worker
 * the transform lives in a plugin folder of its own, where Debezium's classes are not visible.
 */
final class ChangeRecordMapper {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeRecordMapper.class);
    static final String ID_COLUMN = "id";
    static final String ENVELOPE_SUFFIX = ".Envelope";

    private final Map<String, String> ownerTypes;
    private final Map<String, String> tableNames;
    private final String policiesTable;

    /** @param tables schema-qualified table name to owner type, as {@code ProvisionerConfig.cdc().tables()} */
    ChangeRecordMapper(Map<String, String> tables) {
        this(tables, null);
    }

    /** @param policiesTable the schema-qualified {@code ai_key_policies}, or null when not captured */
    ChangeRecordMapper(Map<String, String> tables, String policiesTable) {
        this.policiesTable = policiesTable == null ? null : policiesTable.toLowerCase(Locale.ROOT);
        this.ownerTypes = new HashMap<>();
        this.tableNames = new HashMap<>();
        tables.forEach((table, type) -> {
            ownerTypes.put(table.toLowerCase(Locale.ROOT), type);
            tableNames.put(table.toLowerCase(Locale.ROOT), table);
        });
    }

    /** The request this record asks for, with {@code now} as {@code requested_at}. */
    Optional<ProvisionRequest> map(ConnectRecord<?> record, Instant now) {
        if (!(record.value() instanceof Struct value) || !isEnvelope(value)) {
            return Optional.empty();
        }
        Struct source = struct(value, "source");
        if (source == null) {
            return Optional.empty();
        }
        String table = (string(source, "schema") + "." + string(source, "table")).toLowerCase(Locale.ROOT);
        Op op = op(string(value, "op"));
        if (table.equals(policiesTable) && op != null) {
            return policyChange(value, source, op, now);
        }
        String ownerType = ownerTypes.get(table);
        if (ownerType == null || op == null) {
            return Optional.empty();
        }
        Struct row = struct(value, op == Op.DELETE ? "before" : "after");
        Object id = row == null ? null : field(row, ID_COLUMN);
        if (id == null) {
            LOG.warn(
                    "change of {} at lsn {} has no '{}' column value; skipped", table, field(source, "lsn"), ID_COLUMN);
            return Optional.empty();
        }
        Source origin = new Source(tableNames.get(table), asLong(field(source, "lsn")), asLong(field(source, "ts_ms")));
        return Optional.of(ProvisionRequest.of(new OwnerRef(ownerType, id.toString()), op, origin, now));
    }

    /** The owner a policy row names, looked at again whatever the change was. */
    private Optional<ProvisionRequest> policyChange(Struct value, Struct source, Op op, Instant now) {
        Struct row = struct(value, op == Op.DELETE ? "before" : "after");
        Object type = row == null ? null : field(row, "owner_type");
        Object id = row == null ? null : field(row, "owner_id");
        if (type == null || id == null || !ownerTypes.containsValue(type.toString())) {
            LOG.warn(
                    "change of {} at lsn {} names no captured owner (owner_type {}); skipped",
                    policiesTable,
                    field(source, "lsn"),
                    type);
            return Optional.empty();
        }
        Source origin = new Source(policiesTable, asLong(field(source, "lsn")), asLong(field(source, "ts_ms")));
        return Optional.of(ProvisionRequest.of(new OwnerRef(type.toString(), id.toString()), Op.UPSERT, origin, now));
    }

    /** As Debezium's {@code Envelope.isEnvelopeSchema}: the value schema's name ends with {@code .Envelope}. */
    private static boolean isEnvelope(Struct value) {
        Schema schema = value.schema();
        return schema.name() != null && schema.name().endsWith(ENVELOPE_SUFFIX);
    }

    private static Op op(String code) {
        if (code == null) {
            return null;
        }
        switch (code) {
            case "c", "u", "r":
                return Op.UPSERT;
            case "d":
                return Op.DELETE;
            default:
                return null;
        }
    }

    private static Struct struct(Struct s, String name) {
        return field(s, name) instanceof Struct child ? child : null;
    }

    private static String string(Struct s, String name) {
        Object v = field(s, name);
        return v == null ? null : v.toString();
    }

    private static Object field(Struct s, String name) {
        Field f = s.schema().field(name);
        return f == null ? null : s.get(f);
    }

    private static Long asLong(Object v) {
        return v instanceof Number n ? n.longValue() : null;
    }
}
