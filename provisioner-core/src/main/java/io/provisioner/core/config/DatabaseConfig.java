package io.provisioner.core.config;

import io.provisioner.core.secret.Secret;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where Postgres is. {@code DATABASE_URL} may be {@code postgresql://user:pass@host:port/db?params}
 * (Supabase style) or a JDBC URL; {@code DATABASE_USER} and {@code DATABASE_PASSWORD} override.
 */
public record DatabaseConfig(String jdbcUrl, Optional<String> user, Optional<Secret> password) {

    static Optional<DatabaseConfig> from(Parse p) {
        Optional<String> url = p.string(Settings.DATABASE_URL);
        if (url.isEmpty()) {
            return Optional.empty();
        }
        DatabaseConfig parsed = parseUrl(url.get());
        Optional<String> user = p.string(Settings.DATABASE_USER).or(parsed::user);
        Optional<Secret> password = p.secret(Settings.DATABASE_PASSWORD).or(parsed::password);
        return Optional.of(new DatabaseConfig(parsed.jdbcUrl(), user, password));
    }

    /** Parses either URL form; the message of a failure names DATABASE_URL but not the URL (it may hold a password). */
    public static DatabaseConfig parseUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return new DatabaseConfig(url, Optional.empty(), Optional.empty());
        }
        if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
            throw new ConfigException(
                    Settings.DATABASE_URL.env(), "must start with postgresql://, postgres:// or jdbc:postgresql://");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Settings.DATABASE_URL.env(), "is not a valid URL");
        }
        if (uri.getHost() == null) {
            throw new ConfigException(Settings.DATABASE_URL.env(), "has no host");
        }
        String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Optional<String> user = Optional.empty();
        Optional<Secret> password = Optional.empty();
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = Optional.of(decode(parts[0]));
            if (parts.length == 2) {
                password = Optional.of(new Secret(decode(parts[1])));
            }
        }
        return new DatabaseConfig(jdbc, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
