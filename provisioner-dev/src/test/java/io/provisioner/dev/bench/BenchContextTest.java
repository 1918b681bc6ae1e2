package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchContextTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static List<Instant> at(long... millis) {
        return java.util.Arrays.stream(millis).mapToObj(T0::plusMillis).toList();
    }

    @Test
    void busiestSecondCountsAHalfOpenWindow() {
        assertThat(BenchContext.busiestSecond(at(0, 500, 999, 1000, 1500))).isEqualTo(3);
        assertThat(BenchContext.busiestSecond(at(0, 1100, 2200))).isEqualTo(1);
        assertThat(BenchContext.busiestSecond(List.of())).isZero();
    }

    @Test
    void perSecondIsIntervalsOverSpan() {
        assertThat(BenchContext.perSecond(at(0, 50, 100, 150, 200))).isCloseTo(20, within(1e-9));
        assertThat(BenchContext.perSecond(at(0))).isNaN();
    }

    @Test
    void ratioAndFormatting() {
        assertThat(new Figure("s", "m", "", 2, 0.5, "").ratio()).isEqualTo(4);
        assertThat(new Figure("s", "m", "", 2, Double.NaN, "").ratio()).isNaN();
        assertThat(Report.format(Double.NaN)).isEqualTo("—");
        assertThat(Report.format(0.98765)).isEqualTo("0.988");
        assertThat(Report.format(12.345)).isEqualTo("12.35");
        assertThat(Report.format(8261.2)).isEqualTo("8261");
    }
}
