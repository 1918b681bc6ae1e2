package io.provisioner.openrouter;

import io.provisioner.core.secret.Secret;
import java.util.regex.Pattern;

/** Removes secrets from text that may end up in an exception message or a log line. */
final class Redact {
    private static final Pattern API_KEY = Pattern.compile("sk-or-v1-[A-Za-z0-9]+");

    private Redact() {}

    /** {@code text} without any {@code sk-or-v1-...} key and without the management key. */
    static String scrub(String text, Secret managementKey) {
        if (text == null) {
            return null;
        }
        String scrubbed = API_KEY.matcher(text).replaceAll("sk-or-v1-***");
        String key = managementKey.reveal();
        return key.isEmpty() ? scrubbed : scrubbed.replace(key, "***");
    }
}
