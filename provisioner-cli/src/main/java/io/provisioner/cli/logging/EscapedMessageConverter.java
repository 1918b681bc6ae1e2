package io.provisioner.cli.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} with control characters escaped ({@code \n}, {@code \r}, {@code \t}, others as
 * {@code \}{@code uXXXX}), so that a value taken from a record (an owner id with a newline) cannot forge a
 * log line. Used by the text format; the JSON format escapes by itself. Thread-safe.
 */
public final class EscapedMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return escape(super.convert(event));
    }

    /** The text with every ISO control character (and U+2028/U+2029, the line separators) escaped. */
    public static String escape(String s) {
        if (s == null || s.chars().noneMatch(EscapedMessageConverter::needsEscape)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\n') {
                out.append("\\n");
            } else if (ch == '\r') {
                out.append("\\r");
            } else if (ch == '\t') {
                out.append("\\t");
            } else if (needsEscape(ch)) {
                out.append(String.format("\\u%04x", (int) ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(int ch) {
        return Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029';
    }
}
