package io.provisioner.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalIdsTest {

    @ParameterizedTest(name = "{1} ''{0}'' is its own spelling")
    @CsvSource(
            delimiter = '|',
            value = {
                "3f2a9c1e-0b7d-4e55-9a1f-2c3d4e5f6a7b|uuid",
                "7|bigint",
                "0|integer",
                "-42|smallint",
                "9223372036854775807|bigint",
                "-9223372036854775808|bigint",
                "2147483647|integer",
                "Hello World|text",
                "'007 '|text"
            })
    void alreadyCanonical(String id, String type) {
        assertThat(CanonicalIds.isCanonical(id, type)).isTrue();
    }

    @ParameterizedTest(name = "{1} ''{0}'' goes to the database")
    @CsvSource(
            delimiter = '|',
            value = {
                "3F2A9C1E-0B7D-4E55-9A1F-2C3D4E5F6A7B|uuid",
                "{3f2a9c1e-0b7d-4e55-9a1f-2c3d4e5f6a7b}|uuid",
                "3f2a9c1e0b7d4e559a1f2c3d4e5f6a7b|uuid",
                "007|bigint",
                "+7|bigint",
                "-0|integer",
                "' 7'|integer",
                "9223372036854775808|bigint",
                "2147483648|integer",
                "32768|smallint",
                "abc|bigint",
                "ab|character(8)",
                "ab|character varying(8)",
                "7|numeric",
                "1e3|bigint"
            })
    void askTheDatabase(String id, String type) {
        assertThat(CanonicalIds.isCanonical(id, type)).isFalse();
    }
}
