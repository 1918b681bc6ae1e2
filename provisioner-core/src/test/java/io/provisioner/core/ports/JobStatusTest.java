package io.provisioner.core.ports;

import static org.assertj.core.api.Assertions.assertThat;

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
    void aSpellingOutsideTheContractReadsAsUnfinishedAndNullStaysNull() {
        // a kept legacy jobs table has no CHECK on status: the edge function wrote done and failed
        assertThat(JobStatus.fromDb(null)).isNull();
        assertThat(JobStatus.fromDb("done")).isSameAs(JobStatus.PENDING);
        assertThat(JobStatus.fromDb("failed")).isSameAs(JobStatus.PENDING);
        assertThat(JobStatus.fromDb("SUCCEEDED")).isSameAs(JobStatus.PENDING);
    }
}
