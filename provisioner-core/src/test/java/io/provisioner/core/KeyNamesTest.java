package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.events.OwnerRef;
import org.junit.jupiter.api.Test;

class KeyNamesTest {

    private final KeyNames staging = new KeyNames("staging/");

    @Test
    void nameIsPrefixThenOwnerKey() {
        assertThat(staging.nameOf(new OwnerRef("teacher", "42"))).isEqualTo("staging/teacher:42");
        assertThat(KeyNames.UNPREFIXED.nameOf(new OwnerRef("organization", "7")))
                .isEqualTo("organization:7");
    }

    @Test
    void readsBackOnlyItsOwnPrefix() {
        assertThat(staging.ownerOf("staging/teacher:42")).contains(new OwnerRef("teacher", "42"));
        assertThat(staging.ownerOf("teacher:42")).isEmpty();
        assertThat(staging.looksOurs("teacher:42")).isFalse();
        assertThat(KeyNames.UNPREFIXED.ownerOf("my personal key")).isEmpty();
        assertThat(KeyNames.UNPREFIXED.looksOurs("student:1")).isFalse();
    }

    @Test
    void aNameThatLooksOursButNamesNoOwnerIsRecognisedAsSuch() {
        assertThat(KeyNames.UNPREFIXED.looksOurs("organization: ")).isTrue();
        assertThat(KeyNames.UNPREFIXED.ownerOf("organization: ")).isEmpty();
        assertThat(KeyNames.UNPREFIXED.ownerOf("teacher:")).isEmpty();
    }
}
