package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.logging.Texts;
import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void keepsWhatFitsAndCutsTheRestToTheLimitWithAnEllipsis() {
        assertThat(Texts.abbreviate("x".repeat(80))).isEqualTo("x".repeat(80));
        assertThat(Texts.abbreviate("x".repeat(81))).isEqualTo("x".repeat(77) + "...");
        assertThat(Texts.abbreviate("y".repeat(121), 120)).hasSize(120).endsWith("y...");
        assertThat(Texts.abbreviate(null)).isEqualTo("null");
    }

    @Test
    void truncateKeepsNullAndCutsAtMaxMessage() {
        assertThat(ErrorClassifier.truncate(null)).isNull();
        assertThat(ErrorClassifier.truncate("z".repeat(ErrorClassifier.MAX_MESSAGE + 1)))
                .hasSize(ErrorClassifier.MAX_MESSAGE)
                .endsWith("z...");
    }

    @Test
    void errorClassIsTheFailuresOwnNameElseItsSimpleClassName() {
        assertThat(ErrorClassifier.errorClass(new FatalException("bad"))).isEqualTo("FatalException");
        assertThat(ErrorClassifier.errorClass(new IllegalStateException("boom")))
                .isEqualTo("IllegalStateException");
    }
}
