package io.provisioner.cli.ops;

/**
 * OpenRouter's {@code label} of a key shows the secret's first and last characters around an ellipsis
 * ({@code sk-or-v1-0e6...1c96}); a secret matches a label when it starts and ends with those parts.
 */
public final class KeyLabels {

    private static final String ELLIPSIS = "...";

    private KeyLabels() {}

    /** True when {@code secret} could be the key shown by {@code label}; false for a label of another form. */
    public static boolean matches(String label, String secret) {
        if (label == null || secret == null) {
            return false;
        }
        int at = label.indexOf(ELLIPSIS);
        if (at <= 0 || at + ELLIPSIS.length() >= label.length()) {
            return false;
        }
        String head = label.substring(0, at);
        String tail = label.substring(at + ELLIPSIS.length());
        return secret.length() > head.length() + tail.length() && secret.startsWith(head) && secret.endsWith(tail);
    }
}
