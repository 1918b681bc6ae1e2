package io.provisioner.db.schema;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Quoting of identifiers that come from configuration (schema, owner tables). Stateless. */
public final class SqlNames {

    private static final Pattern SIMPLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");

    private SqlNames() {}

    /**
     * Checks a schema name given in configuration.
     *
     * @throws IllegalArgumentException unless it is a plain identifier (letters, digits, '_', '$')
     */
    public static String requireSchema(String schema) {
        if (schema == null || !SIMPLE.matcher(schema).matches()) {
            throw new IllegalArgumentException(
                    "schema '" + schema + "' is not a plain identifier (letters, digits, '_', '$')");
        }
        return schema;
    }

    /** {@code "schema"."table"}. */
    public static String qualify(String schema, String table) {
        return quote(requireSchema(schema)) + "." + quote(table);
    }

    /** Quotes each dot-separated part: {@code public.organizations} becomes {@code "public"."organizations"}. */
    public static String quoteQualified(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("table name is blank");
        }
        return Arrays.stream(name.split("\\.", -1)).map(SqlNames::quote).collect(Collectors.joining("."));
    }

    /** {@code "identifier"}, its quotes doubled. */
    public static String quote(String identifier) {
        if (identifier.isEmpty()) {
            throw new IllegalArgumentException("empty identifier");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
