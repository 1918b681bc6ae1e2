package io.provisioner.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The edge function's own jobs and keys tables and view ({@code legacy/edge-function-schema.sql}). */
public final class EdgeFunctionSchema {

    private EdgeFunctionSchema() {}

    /** Creates them in {@code schema}, which must exist. */
    public static void create(Connection c, String schema) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql().replace("${schema}", schema));
        }
    }

    private static String sql() {
        try (InputStream in = EdgeFunctionSchema.class.getResourceAsStream("/legacy/edge-function-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("legacy/edge-function-schema.sql is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
