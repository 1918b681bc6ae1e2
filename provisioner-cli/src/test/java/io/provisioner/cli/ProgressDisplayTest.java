package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

    @Test
    void withoutATerminalPrintsPlainLinesAtMostOneASecondAndTheFinalFiguresOnClose() {
        StringWriter text = new StringWriter();
        ProgressDisplay progress = ProgressDisplay.plain(new PrintWriter(text), "keys stored", 0);

        progress.update(1, 10, "retrying 0");
        progress.update(2, 10, "retrying 0");
        progress.update(3, 10, "retrying 1");
        progress.close();
        progress.update(4, 10, "after close");

        assertThat(text.toString().lines())
                .containsExactly("keys stored: 1/10  retrying 0", "keys stored: 3/10  retrying 1");
    }

    @Test
    void anUnknownTotalShowsTheCountAlone() {
        StringWriter text = new StringWriter();
        try (ProgressDisplay progress = ProgressDisplay.plain(new PrintWriter(text), "dead letters read", 0)) {
            progress.update(7, 0, "");
        }
        assertThat(text.toString().lines()).containsExactly("dead letters read: 7");
    }
}
