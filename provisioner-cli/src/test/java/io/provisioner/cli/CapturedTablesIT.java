package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.config.ConfigException;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Owner tables whose changes could not name their owner as {@code id::text} does stop start-up (exit 2,
 * {@link ConfigException}) with what to do, before a publication or slot exists.
 */
@ExtendWith(SharedInfra.class)
class CapturedTablesIT {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "composite primary key | (id uuid, school int, primary key (id, school)) | has the primary key (id, school), not (id) | add primary key (id)",
                "no primary key        | (id uuid, name text)                            | has no primary key                         | add primary key (id)",
                "replica identity nothing | (id uuid primary key, name text); alter table %s replica identity nothing | has replica identity nothing | replica identity default",
                "char(n) id            | (id char(8) primary key, name text)             | has id of type character(8)                | alter column id type text",
                "bytea id              | (id bytea primary key, name text)               | has id of type bytea                       | use uuid, text or a number",
            })
    void startStopsNamingTheTableAndWhatToDoBeforeAnyPublication(
            String label, String definition, String problem, String advice, Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            String teachers = f.schema + ".teachers";
            f.exec("drop table " + teachers);
            f.exec("create table " + teachers + " " + definition.replace("%s", teachers));

            assertThatThrownBy(f::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("CDC_TABLES")
                    .hasMessageContaining("table " + teachers + " " + problem)
                    .hasMessageContaining(advice)
                    .hasMessageNotContaining(f.schema + ".organizations");

            assertThat(f.count("select count(*) from pg_publication where pubname = '" + f.schema + "_pub'"))
                    .as("publications")
                    .isZero();
            assertThat(f.count("select count(*) from pg_replication_slots where slot_name = '" + f.schema + "'"))
                    .as("replication slots")
                    .isZero();
        }
    }
}
