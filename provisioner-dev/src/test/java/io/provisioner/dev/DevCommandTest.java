package io.provisioner.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.cli.ProvisionerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dev --timeout} reads durations as every setting and option does. */
class DevCommandTest {

    @Test
    void timeoutReadsEveryDurationForm() {
        for (String text : new String[] {"500ms", "1d", "90", "1h30m", "PT30S", "10m"}) {
            assertThat(CommandLine.populateCommand(new DevCommand(), "--timeout", text)
                            .timeout())
                    .as(text)
                    .isEqualTo(io.provisioner.core.config.Durations.parse("x", text));
        }
        assertThat(CommandLine.populateCommand(new DevCommand(), "--timeout", "500ms")
                        .timeout())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(CommandLine.populateCommand(new DevCommand()).timeout())
                .as("the default")
                .isEqualTo(Duration.ofMinutes(10));
    }

    /** Before anything starts: the embedded database and broker take seconds. */
    @Test
    void malformedTimeoutExitsTwoNamingIt() {
        StringWriter err = new StringWriter();
        int code = ProvisionerCli.execute(
                Map.of(),
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "dev",
                "--timeout",
                "soon");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("error: --timeout must be a duration such as 500ms");
    }
}
