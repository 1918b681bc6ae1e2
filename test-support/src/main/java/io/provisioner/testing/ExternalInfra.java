package io.provisioner.testing;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Servers the environment points at with {@code KAFKA_BOOTSTRAP_SERVERS} and {@code DATABASE_URL}. */
record ExternalInfra(String bootstrapServers, String jdbcUrl, String dbUser, String dbPassword) implements Infra {

    static ExternalInfra from(String kafka, String databaseUrl) {
        if (databaseUrl.startsWith("jdbc:")) {
            return new ExternalInfra(
                    kafka, databaseUrl, env("DATABASE_USER", "postgres"), env("DATABASE_PASSWORD", ""));
        }
        URI uri = URI.create(databaseUrl);
        String[] userInfo = uri.getRawUserInfo() == null
                ? new String[0]
                : uri.getRawUserInfo().split(":", 2);
        String user = userInfo.length > 0 ? URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8) : "postgres";
        String pass = userInfo.length > 1 ? URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8) : "";
        String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new ExternalInfra(kafka, jdbc, env("DATABASE_USER", user), env("DATABASE_PASSWORD", pass));
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @Override
    public String kind() {
        return "external";
    }
}
