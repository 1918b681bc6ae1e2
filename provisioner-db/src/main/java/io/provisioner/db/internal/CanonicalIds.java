package io.provisioner.db.internal;

import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Ids that are already in the database's own text form of their column type, recognised without a
 * round trip: a lower-case hyphenated uuid, an integer without sign or leading zero within its type's
 * range, any text for a {@code text} column. Everything else (upper case, braces, {@code 007}, char and
 * varchar, other types) is left to the database's cast. Never says "canonical" for an id that the cast
 * would change or reject.
 */
final class CanonicalIds {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern INTEGER = Pattern.compile("0|-?[1-9][0-9]{0,18}");

    private CanonicalIds() {}

    /** Whether the id is its own canonical spelling for a column of {@code type}; false: ask the database. */
    static boolean isCanonical(String id, String type) {
        return switch (type) {
            case "uuid" -> UUID.matcher(id).matches();
            case "smallint" -> integerWithin(id, Short.MIN_VALUE, Short.MAX_VALUE);
            case "integer" -> integerWithin(id, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "bigint" -> integerWithin(id, Long.MIN_VALUE, Long.MAX_VALUE);
            // text to text is the identity; a NUL the server rejects, so the cast decides
            case "text" -> id.indexOf('\0') < 0;
            default -> false;
        };
    }

    private static boolean integerWithin(String id, long min, long max) {
        if (!INTEGER.matcher(id).matches()) {
            return false;
        }
        BigInteger value = new BigInteger(id);
        return value.compareTo(BigInteger.valueOf(min)) >= 0 && value.compareTo(BigInteger.valueOf(max)) <= 0;
    }
}
