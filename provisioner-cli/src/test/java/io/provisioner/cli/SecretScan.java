package io.provisioner.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Looks for secret values in text a user or operator can see, and reports where it found one by the
 * secret's name only, so that a failing test never prints the secret itself.
 */
final class SecretScan {

    private final Map<String, String> secrets = new LinkedHashMap<>();
    private final List<String> leaks = new ArrayList<>();
    private long scanned;

    /** Adds a secret to look for; {@code name} is what a leak report says instead of the value. */
    SecretScan secret(String name, String value) {
        if (value == null || value.length() < 8) {
            throw new IllegalArgumentException(name + " is too short to be looked for reliably");
        }
        secrets.put(name, value);
        return this;
    }

    int secrets() {
        return secrets.size();
    }

    void scan(String where, String text) {
        if (text == null) {
            return;
        }
        scanned += text.length();
        secrets.forEach((name, value) -> {
            if (text.contains(value)) {
                leaks.add(name + " in " + where);
            }
        });
    }

    void scan(String where, byte[] bytes) {
        if (bytes != null) {
            scan(where, new String(bytes, StandardCharsets.UTF_8));
        }
    }

    /** Characters scanned so far: a scan that saw nothing proves nothing. */
    long scanned() {
        return scanned;
    }

    List<String> leaks() {
        return List.copyOf(leaks);
    }
}
