package io.provisioner.dev.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A process's resident set, as Linux reports it in {@code /proc/<pid>/status}. */
final class Rss {
    private Rss() {}

    /** VmRSS in bytes from the status file {@code status}; empty when it cannot be read. */
    static Optional<Long> of(Path status) {
        try {
            return parse(Files.readAllLines(status));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** VmRSS in bytes from the lines of a status file ({@code VmRSS:    123456 kB}); empty without one. */
    static Optional<Long> parse(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.substring("VmRSS:".length()).trim().split("\\s+");
                long value = Long.parseLong(f[0]);
                return Optional.of(f.length > 1 && f[1].equalsIgnoreCase("kB") ? value * 1024 : value);
            }
        }
        return Optional.empty();
    }
}
