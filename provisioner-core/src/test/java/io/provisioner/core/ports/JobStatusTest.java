package io.provisioner.core.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobStatusTest {

    @Test
    void spellsEachStatusAsTheContractDoesAndReadsItBack() {
        assertThat(JobStatus.dbNames())
                .containsExactly("pending", "processing", "retrying", "succeeded", "dead", "revoked");
        for (JobStatus s : JobStatus.values()) {
            assertThat(JobStatus.fromDb(s.dbName())).isSameAs(s);
            assertThat(s).hasToString(s.dbName());
        }
    }

    @Test
    void aSpellingOutsideTheContractIsRejectedAndNullStaysNull() {
        assertThat(JobStatus.fromDb(null)).isNull();
        assertThatThrownBy(() -> JobStatus.fromDb("done"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'done'");
        assertThatThrownBy(() -> JobStatus.fromDb("SUCCEEDED")).isInstanceOf(IllegalArgumentException.class);
    }
}
