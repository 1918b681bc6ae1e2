package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SimCallTest {

    @Test
    void aLineIsMethodPathStatusAndEpochMicrosAndReadsBackToTheMicrosecond() {
        SimCall call = new SimCall("POST", "/api/v1/keys", 201, Instant.parse("2026-12-05T03:22:42.123456789Z"));

        assertThat(call.toLine()).isEqualTo("POST /api/v1/keys 201 1796440962123456");
        assertThat(SimCall.fromLine(call.toLine()))
                .isEqualTo(new SimCall("POST", "/api/v1/keys", 201, Instant.parse("2026-12-05T03:22:42.123456Z")));
    }

    @Test
    void aHangUpIsStatusZeroAndTrailingBlanksAreIgnored() {
        assertThat(SimCall.fromLine("DELETE /api/v1/keys/abc 0 1000001\n"))
                .isEqualTo(new SimCall("DELETE", "/api/v1/keys/abc", 0, Instant.ofEpochSecond(1, 1000)));
    }

    @Test
    void somethingElseIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> SimCall.fromLine("POST /api/v1/keys 201"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'POST /api/v1/keys 201'");
        assertThatThrownBy(() -> SimCall.fromLine("POST /api/v1/keys abc 12"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("abc");
    }
}
