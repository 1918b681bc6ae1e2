package io.provisioner.core.logging;

/** Shortening of untrusted text (record keys, ids) before it goes into a message, a log line or the MDC. */
public final class Texts {

    /** Longest quote of a record key or value in an error message. */
    public static final int MAX_QUOTE = 80;

    private Texts() {}

    /** {@link #abbreviate(String, int)} to {@link #MAX_QUOTE} characters. */
    public static String abbreviate(String s) {
        return abbreviate(s, MAX_QUOTE);
    }

    /**
     * {@code s} when it has at most {@code max} characters, else its first {@code max - 3} followed by
     * {@code "..."}; {@code "null"} for null.
     */
    public static String abbreviate(String s, int max) {
        if (s == null) {
            return "null";
        }
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
