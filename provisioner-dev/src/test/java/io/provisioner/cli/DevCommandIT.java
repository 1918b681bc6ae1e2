package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a user runs it: the dev jar in a process of its own. */
class DevCommandIT {

    @Test
    void devDemoProvisionsEverySeededOwnerAndExits() throws Exception {
        String out = DevJarRun.runAndExpectSuccess(
                Duration.ofMinutes(5), "dev", "--owners", "12", "--exit-when-done", "--timeout", "4m");
        assertThat(out)
                .contains("summary")
                .containsPattern("owners\\s+12")
                .containsPattern("keys stored\\s+12")
                .containsPattern("owners with more than one: 0");
        assertThat(out).doesNotContain("sk-or-v1-");
    }
}
