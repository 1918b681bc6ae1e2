package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SeedScheduleTest {

    @Test
    void oneRowWaitsForTheNextCronTickWhateverThePhase() {
        double[] latencies = SeedSchedule.latencies(new double[] {0.5});
        assertThat(latencies).hasSize(60);
        assertThat(latencies[0]).isCloseTo(0.5, within(1e-9)); // phase 1 s: tick 0.5 s after the row
        assertThat(latencies[59]).isCloseTo(59.5, within(1e-9)); // phase 0 s: the tick at 60 s
    }

    @Test
    void aSixthRowWaitsForTheNextMinuteAndRowsOfOneRunAre1point1SecondsApart() {
        double[] latencies = SeedSchedule.latencies(new double[] {0, 0, 0, 0, 0, 0});
        // phase 0: five at 0, 1.1, 2.2, 3.3, 4.4 s, the sixth at 60 s
        assertThat(latencies).contains(0.0, 4.4).hasSize(360);
        assertThat(SeedSchedule.quantile(latencies, 1.0)).isCloseTo(60 + 59, within(1e-9));
    }

    @Test
    void quantileIsTheNearestRank() {
        double[] sorted = {1, 2, 3, 4};
        assertThat(SeedSchedule.quantile(sorted, 0.5)).isEqualTo(2);
        assertThat(SeedSchedule.quantile(sorted, 0.99)).isEqualTo(4);
        assertThat(SeedSchedule.quantile(new double[0], 0.5)).isNaN();
    }
}
