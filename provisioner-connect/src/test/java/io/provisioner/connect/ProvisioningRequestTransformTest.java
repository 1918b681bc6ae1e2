package io.provisioner.connect;

import static io.provisioner.connect.ChangeRecordMapperTest.COMMITTED;
import static io.provisioner.connect.ChangeRecordMapperTest.ENVELOPE;
import static io.provisioner.connect.ChangeRecordMapperTest.ORG_ID;
import static io.provisioner.connect.ChangeRecordMapperTest.POLICY;
import static io.provisioner.connect.ChangeRecordMapperTest.policy;
import static io.provisioner.connect.ChangeRecordMapperTest.record;
import static io.provisioner.connect.ChangeRecordMapperTest.row;
import static io.provisioner.connect.ChangeRecordMapperTest.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class ProvisioningRequestTransformTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");

    private final ProvisioningRequestTransform<SourceRecord> transform =
            new ProvisioningRequestTransform<>(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void rowChangeBecomesRequestOnTheRequestsTopicKeyedByOwner() {
        transform.configure(Map.of());
        SourceRecord in =
                record(ENVELOPE.create(row(ORG_ID, "Acme"), source("public", "organizations", 42L), COMMITTED));

        SourceRecord out = transform.apply(in);

        assertThat(out.topic()).isEqualTo("provisioning.requests");
        assertThat(out.kafkaPartition()).isNull();
        assertThat(out.keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(out.key()).isEqualTo("organization:" + ORG_ID);
        assertThat(out.valueSchema()).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(new String((byte[]) out.value(), StandardCharsets.UTF_8))
                .isEqualTo("{\"owner_type\":\"organization\",\"owner_id\":\"" + ORG_ID
                        + "\",\"op\":\"upsert\",\"source\":{\"table\":\"public.organizations\",\"lsn\":42,\"ts_ms\":"
                        + COMMITTED.toEpochMilli() + "},\"requested_at\":\"2025-01-02T03:04:05Z\"}");
        assertThat(out.headers()).isEmpty();
        assertThat(out.sourceOffset()).isEqualTo(in.sourceOffset());
        assertThat(out.sourcePartition()).isEqualTo(in.sourcePartition());
    }

    @Test
    void valueIsTheCoreCodecsEncodingOfTheRequest() {
        transform.configure(Map.of());
        SourceRecord in = record(ENVELOPE.delete(row("t-7", null), source("public", "teachers", 9L), COMMITTED));

        SourceRecord out = transform.apply(in);

        ProvisionRequest expected = ProvisionRequest.of(
                new OwnerRef("teacher", "t-7"),
                ProvisionRequest.Op.DELETE,
                new ProvisionRequest.Source("public.teachers", 9L, COMMITTED.toEpochMilli()),
                NOW);
        assertThat((byte[]) out.value()).isEqualTo(RequestCodec.encode(expected));
        assertThat(RequestCodec.decode((byte[]) out.value())).isEqualTo(expected);
    }

    @Test
    void dropsHeartbeatsTombstonesAndOtherTables() {
        transform.configure(Map.of(ProvisioningRequestTransform.TABLES, "public.organizations"));
        Struct heartbeat = new Struct(SchemaBuilder.struct()
                        .name("io.debezium.connector.common.Heartbeat")
                        .field("ts_ms", Schema.INT64_SCHEMA)
                        .build())
                .put("ts_ms", 1L);

        assertThat(transform.apply(record(heartbeat))).isNull();
        assertThat(transform.apply(record(null))).isNull();
        assertThat(transform.apply(record(ENVELOPE.truncate(source("public", "organizations", 1L), COMMITTED))))
                .isNull();
        assertThat(transform.apply(
                        record(ENVELOPE.create(row("t-1", "x"), source("public", "teachers", 2L), COMMITTED))))
                .as("teachers are not captured here")
                .isNull();
    }

    @Test
    void topicAndTablesFollowTheSettings() {
        transform.configure(Map.of(
                ProvisioningRequestTransform.TABLES, "app.teachers",
                ProvisioningRequestTransform.TOPIC_PREFIX, "acme.prod"));

        SourceRecord out =
                transform.apply(record(ENVELOPE.create(row("t-1", "x"), source("app", "teachers", 3L), COMMITTED)));

        assertThat(out.topic()).isEqualTo("acme.prod.requests");
        assertThat(out.key()).isEqualTo("teacher:t-1");
    }

    @Test
    void rejectsATableThatNamesNoOwnerTypeNamingTheSetting() {
        assertThatThrownBy(() -> transform.configure(Map.of(ProvisioningRequestTransform.TABLES, "public.students")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tables")
                .hasMessageContaining("public.students");
    }

    @Test
    void declaresItsSettingsForConnectsValidation() {
        assertThat(transform.config().names())
                .containsExactlyInAnyOrder(
                        ProvisioningRequestTransform.TABLES,
                        ProvisioningRequestTransform.TOPIC_PREFIX,
                        ProvisioningRequestTransform.POLICIES_TABLE);
    }

    @Test
    void aPolicyRowOfTheCapturedTablesSchemaRequestsItsOwnerByDefault() {
        transform.configure(Map.of(ProvisioningRequestTransform.TABLES, "app.teachers"));

        SourceRecord out = transform.apply(
                record(POLICY.delete(policy("teacher", "t-9"), source("app", "ai_key_policies", 5L), COMMITTED)));

        assertThat(out.key()).isEqualTo("teacher:t-9");
        assertThat(RequestCodec.decode((byte[]) out.value()).op()).isEqualTo(ProvisionRequest.Op.UPSERT);
        assertThat(transform.apply(record(
                        POLICY.create(policy("teacher", "t-9"), source("public", "ai_key_policies", 6L), COMMITTED))))
                .as("another schema's policies table is not ours")
                .isNull();
    }
}
