package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.events.Json;
import io.provisioner.testing.EdgeFunctionSchema;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** While the edge function's keys sit in plaintext in ai_provider_keys_legacy, migrate and status say so. */
@ExtendWith(SharedInfra.class)
class LegacyWarningIT {

    @Test
    void migrateAndStatusWarnWhileTheLegacyTableHoldsPlaintextKeys(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            try (Connection c = infra.connect()) {
                EdgeFunctionSchema.create(c, f.schema);
            }
            f.exec("insert into " + f.schema + ".ai_provider_keys (owner_type, owner_id, api_key)"
                    + " values ('teacher', gen_random_uuid(), 'sk-or-v1-plaintext0000')");
            String warning = "WARNING: " + f.schema + ".ai_provider_keys_legacy holds OpenRouter keys in plaintext";

            PipelineFixture.CliRun migrated = f.cli("migrate", "--rename-legacy");
            assertThat(migrated.exit()).as(migrated.err()).isZero();
            assertThat(migrated.err()).contains(warning).doesNotContain("sk-or-v1-plaintext0000");
            PipelineFixture.CliRun status = f.cli("status");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.err()).contains(warning, "import-keys", "drop it");
            PipelineFixture.CliRun json = f.cli("status", "--json");
            assertThat(json.err()).contains(warning);
            assertThat(Json.MAPPER.readTree(json.out()).has("jobs")).isTrue();

            f.exec("drop table " + f.schema + ".ai_provider_keys_legacy cascade");
            assertThat(f.cli("status").err()).doesNotContain("WARNING");
            assertThat(f.cli("migrate").err()).doesNotContain("WARNING");
        }
    }
}
