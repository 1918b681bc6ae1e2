package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.ports.JobStatus;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The statuses the Flyway migrations let the jobs table hold are exactly those {@link JobStatus} has. */
class JobStatusSchemaTest {

    private static final Pattern STATUS_CHECK =
            Pattern.compile("check\\s*\\(\\s*status\\s+in\\s*\\(([^)]*)\\)\\s*\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern QUOTED = Pattern.compile("'([^']*)'");

    @Test
    void theEnumCoversEveryStatusTheCheckConstraintAllows() throws IOException, URISyntaxException {
        Path dir = Path.of(JobStatusSchemaTest.class
                .getClassLoader()
                .getResource("db/migration/provisioner")
                .toURI());
        List<Path> migrations;
        try (Stream<Path> files = Files.list(dir)) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted(Comparator.comparingInt(JobStatusSchemaTest::version))
                    .toList();
        }
        List<String> allowed = null;
        for (Path migration : migrations) {
            Matcher check = STATUS_CHECK.matcher(Files.readString(migration));
            while (check.find()) {
                allowed = new ArrayList<>();
                Matcher value = QUOTED.matcher(check.group(1));
                while (value.find()) {
                    allowed.add(value.group(1));
                }
            }
        }
        assertThat(allowed).as("a check constraint on status in the migrations").isNotNull();
        assertThat(allowed).containsExactlyInAnyOrderElementsOf(JobStatus.dbNames());
        assertThat(allowed).as("in the contract's order").containsExactlyElementsOf(JobStatus.dbNames());
    }

    private static int version(Path migration) {
        String name = migration.getFileName().toString();
        return Integer.parseInt(name.substring(1, name.indexOf("__")));
    }
}
