package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which existing publications stop start-up: one without a captured table that this role cannot add. */
class CapturedPublicationTest {

    private static final String PUB = "provisioner_pub";
    private static final String POLICIES = "public.ai_key_policies";

    @Test
    void aPublicationOfAnotherRoleWithoutTheTableNamesItAndTheStatementToRun() {
        assertThat(CapturedPublication.problem(PUB, POLICIES, false, false, false, true, "postgres"))
                .contains("publication provisioner_pub exists without table public.ai_key_policies")
                .contains(
                        "as postgres run alter publication \"provisioner_pub\" add table \"public\".\"ai_key_policies\"");
    }

    @Test
    void aPublicationThisRoleCanAlterOrThatAlreadyCapturesTheTableIsFine() {
        assertThat(CapturedPublication.problem(PUB, POLICIES, false, true, false, true, "provisioner"))
                .as("Debezium adds the table")
                .isNull();
        assertThat(CapturedPublication.problem(PUB, POLICIES, false, false, true, false, "postgres"))
                .isNull();
        assertThat(CapturedPublication.problem(PUB, POLICIES, true, false, false, false, "postgres"))
                .as("for all tables")
                .isNull();
        assertThat(CapturedPublication.problem(PUB, POLICIES, false, true, false, false, "provisioner"))
                .as("adding a table takes owning it too")
                .isNotNull();
    }
}
