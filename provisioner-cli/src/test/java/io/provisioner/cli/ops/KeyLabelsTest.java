package io.provisioner.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyLabelsTest {

    private static final String SECRET = "sk-or-v1-0e6" + "a".repeat(53) + "1c96";

    @Test
    void aLabelFitsTheSecretWithItsFirstAndLastCharacters() {
        assertThat(KeyLabels.matches("sk-or-v1-0e6...1c96", SECRET)).isTrue();
    }

    @Test
    void otherCharactersOrOtherFormsDoNotFit() {
        assertThat(KeyLabels.matches("sk-or-v1-0e7...1c96", SECRET)).isFalse();
        assertThat(KeyLabels.matches("sk-or-v1-0e6...1c97", SECRET)).isFalse();
        assertThat(KeyLabels.matches("Production API Key", SECRET)).isFalse();
        assertThat(KeyLabels.matches("...", SECRET)).isFalse();
        assertThat(KeyLabels.matches(null, SECRET)).isFalse();
        assertThat(KeyLabels.matches("sk-or-v1-0e6...1c96", "sk-or-v1-0e61c96")).isFalse();
    }
}
