package io.provisioner.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.FatalException;
import io.provisioner.db.schema.SqlNames;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnerTablesTest {

    @Test
    void castsTheParameterToTheIdColumnType() {
        String sql = OwnerTables.existsSql("\"public\".\"organizations\"", "uuid");

        assertThat(sql).isEqualTo("select 1 from \"public\".\"organizations\" where id = cast(? as uuid)");
    }

    @Test
    void quotesEachPartOfAQualifiedTableName() {
        OwnerTables tables = new OwnerTables(Map.of("teacher", "school.Teachers", "organization", "orgs"));

        assertThat(tables.table("teacher")).isEqualTo("\"school\".\"Teachers\"");
        assertThat(tables.table("organization")).isEqualTo("\"orgs\"");
    }

    @Test
    void quotingNeutralisesInjectedQuotes() {
        assertThat(SqlNames.quoteQualified("public.x\"; drop table y; --"))
                .isEqualTo("\"public\".\"x\"\"; drop table y; --\"");
    }

    @Test
    void ownerTypeWithoutTableIsFatal() {
        OwnerTables tables = new OwnerTables(Map.of("organization", "public.organizations"));

        assertThatThrownBy(() -> tables.table("teacher"))
                .isInstanceOf(FatalException.class)
                .hasMessageContaining("teacher");
    }

    @Test
    void rejectedValuesAreDataExceptionsAndDomainChecks() {
        assertThat(OwnerTables.isRejectedValue(new SQLException("bad uuid", "22P02")))
                .isTrue();
        assertThat(OwnerTables.isRejectedValue(new SQLException("out of range", "22003")))
                .isTrue();
        assertThat(OwnerTables.isRejectedValue(new SQLException("domain check", "23514")))
                .isTrue();
        assertThat(OwnerTables.isRejectedValue(new SQLException("connection lost", "08006")))
                .isFalse();
        assertThat(OwnerTables.isRejectedValue(new SQLException("no state"))).isFalse();
    }

    @Test
    void schemaMustBeAPlainIdentifier() {
        assertThat(SqlNames.qualify("public", "ai_provider_keys")).isEqualTo("\"public\".\"ai_provider_keys\"");
        assertThatThrownBy(() -> SqlNames.requireSchema("public; drop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public; drop");
        assertThatThrownBy(() -> SqlNames.requireSchema("")).isInstanceOf(IllegalArgumentException.class);
    }
}
