package io.provisioner.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.Envelope;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionRequest.Op;
import io.provisioner.core.events.ProvisionRequest.Source;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class ChangeRecordMapperTest {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final Instant COMMITTED = Instant.parse("2025-01-02T03:04:00Z");
    static final String ORG_ID = "5f0c6a2e-8d1b-4d7e-9a55-0c2b1f7e3a10";

    private static final Schema SOURCE = SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct()
            .name("x.public.organizations.Value")
            .optional()
            .field("id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Envelope ENVELOPE = Envelope.defineSchema()
            .withName("x.public.organizations.Envelope")
            .withRecord(ROW)
            .withSource(SOURCE)
            .build();

    private final ChangeRecordMapper mapper =
            new ChangeRecordMapper(Map.of("public.organizations", "organization", "public.teachers", "teacher"));

    @Test
    void insertBecomesUpsertKeyedByOwner() {
        Struct value = ENVELOPE.create(row(ORG_ID, "Acme"), source("public", "organizations", 4242L), COMMITTED);

        ProvisionRequest request = mapper.map(record(value), NOW).orElseThrow();

        assertThat(request.owner().key()).isEqualTo("organization:" + ORG_ID);
        assertThat(request.op()).isEqualTo(Op.UPSERT);
        assertThat(request.source()).isEqualTo(new Source("public.organizations", 4242L, COMMITTED.toEpochMilli()));
        assertThat(request.requestedAt()).isEqualTo(NOW);
    }

    @Test
    void updateAndSnapshotReadBecomeUpserts() {
        Struct update = ENVELOPE.update(
                row(ORG_ID, "Old"), row(ORG_ID, "New"), source("public", "organizations", 7L), COMMITTED);
        Struct read = ENVELOPE.read(row(ORG_ID, "Acme"), source("public", "organizations", 8L), COMMITTED);

        assertThat(mapper.map(record(update), NOW)).map(ProvisionRequest::op).contains(Op.UPSERT);
        assertThat(mapper.map(record(read), NOW)).map(ProvisionRequest::op).contains(Op.UPSERT);
    }

    @Test
    void deleteBecomesDeleteWithIdFromBefore() {
        Struct value = ENVELOPE.delete(row(ORG_ID, null), source("public", "organizations", 9L), COMMITTED);

        ProvisionRequest request = mapper.map(record(value), NOW).orElseThrow();

        assertThat(request.op()).isEqualTo(Op.DELETE);
        assertThat(request.ownerId()).isEqualTo(ORG_ID);
    }

    @Test
    void ownerTypeFollowsTheTable() {
        Struct value = ENVELOPE.create(row("t-1", "Ms. O'Hara 😀"), source("public", "teachers", 10L), COMMITTED);

        assertThat(mapper.map(record(value), NOW)).map(r -> r.owner().key()).contains("teacher:t-1");
    }

    @Test
    void ignoresTablesThatAreNotCaptured() {
        Struct value = ENVELOPE.create(row(ORG_ID, "x"), source("public", "students", 11L), COMMITTED);

        assertThat(mapper.map(record(value), NOW)).isEmpty();
    }

    @Test
    void ignoresTruncatesTombstonesAndHeartbeats() {
        Struct truncate = ENVELOPE.truncate(source("public", "organizations", 12L), COMMITTED);
        Schema heartbeatSchema = SchemaBuilder.struct()
                .name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", Schema.INT64_SCHEMA)
                .build();
        Struct heartbeat = new Struct(heartbeatSchema).put("ts_ms", 1L);

        assertThat(mapper.map(record(truncate), NOW)).isEmpty();
        assertThat(mapper.map(record(null), NOW)).isEmpty();
        assertThat(mapper.map(record(heartbeat), NOW)).isEmpty();
    }

    @Test
    void skipsRowsWithoutId() {
        Struct value = ENVELOPE.create(row(null, "no id"), source("public", "organizations", 13L), COMMITTED);

        assertThat(mapper.map(record(value), NOW)).isEqualTo(Optional.empty());
    }

    static Struct row(String id, String name) {
        return new Struct(ROW).put("id", id).put("name", name);
    }

    static final Schema POLICY_ROW = SchemaBuilder.struct()
            .name("x.public.ai_key_policies.Value")
            .optional()
            .field("owner_type", Schema.OPTIONAL_STRING_SCHEMA)
            .field("owner_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("guardrail_id", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Envelope POLICY = Envelope.defineSchema()
            .withName("x.public.ai_key_policies.Envelope")
            .withRecord(POLICY_ROW)
            .withSource(SOURCE)
            .build();

    private final ChangeRecordMapper withPolicies = new ChangeRecordMapper(
            Map.of("public.organizations", "organization", "public.teachers", "teacher"), "public.ai_key_policies");

    @Test
    void everyPolicyChangeLooksAtTheOwnerItNames() {
        Struct inserted = POLICY.create(policy("teacher", "t-1"), source("public", "ai_key_policies", 11L), COMMITTED);
        Struct deleted = POLICY.delete(policy("teacher", "t-1"), source("public", "ai_key_policies", 12L), COMMITTED);

        ProvisionRequest request = withPolicies.map(record(inserted), NOW).orElseThrow();

        assertThat(request.owner().key()).isEqualTo("teacher:t-1");
        assertThat(request.op()).isEqualTo(Op.UPSERT);
        assertThat(request.source().table()).isEqualTo("public.ai_key_policies");
        assertThat(withPolicies.map(record(deleted), NOW))
                .as("a deleted policy brings the owner back to its type's defaults: an upsert, not a revoke")
                .map(ProvisionRequest::op)
                .contains(Op.UPSERT);
    }

    @Test
    void policyOfAnOwnerTypeNotCapturedIsSkipped() {
        Struct value = POLICY.create(policy("student", "s-1"), source("public", "ai_key_policies", 13L), COMMITTED);

        assertThat(withPolicies.map(record(value), NOW)).isEmpty();
        assertThat(mapper.map(record(value), NOW))
                .as("not captured without the policies table")
                .isEmpty();
    }

    static Struct policy(String type, String id) {
        return new Struct(POLICY_ROW)
                .put("owner_type", type)
                .put("owner_id", id)
                .put("guardrail_id", "g");
    }

    static Struct source(String schema, String table, Long lsn) {
        return new Struct(SOURCE)
                .put("schema", schema)
                .put("table", table)
                .put("lsn", lsn)
                .put("ts_ms", COMMITTED.toEpochMilli());
    }

    static SourceRecord record(Struct value) {
        return new SourceRecord(
                Map.of("server", "x"), Map.of("lsn", 1L), "x.t", null, value == null ? null : value.schema(), value);
    }
}
