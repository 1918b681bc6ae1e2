package io.provisioner.simulator;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reads query parameters of the simulator's list endpoints. Stateless. */
final class SimQuery {
    private SimQuery() {}

    /** The first value of {@code name}, or null when absent. */
    static String param(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** An integer parameter in [min, max], {@code fallback} when absent; a 400 naming it otherwise. */
    static int intParam(String query, String name, int fallback, int min, int max) {
        String value = param(query, name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new KeyBodies.BadRequest(name + " must be an integer from " + min + " to " + max);
    }
}
