package io.provisioner.simulator;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** OpenRouter's key endpoints below {@code /api/v1}, for an authorized caller. Thread-safe. */
final class KeysRoutes {
    static final int PAGE_SIZE = 100;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private final SimKeyStore store;
    private final FaultPlan faults;
    private final FaultPlan deleteFaults;
    private final Set<String> createdLate = ConcurrentHashMap.newKeySet();

    KeysRoutes(SimKeyStore store, FaultPlan faults, FaultPlan deleteFaults) {
        this.store = store;
        this.faults = faults;
        this.deleteFaults = deleteFaults;
    }

    /** @param path the path below {@code /api/v1}, e.g. {@code /keys/abc} */
    Reply route(String method, String path, String query, String body) {
        try {
            if (path.equals("/key")) {
                return method.equals("GET")
                        ? new Reply.Answer(200, SimJson.managementKeyInfo())
                        : notAllowed(method, path);
            }
            if (path.equals("/keys")) {
                return switch (method) {
                    case "GET" -> list(query);
                    case "POST" -> create(body);
                    default -> notAllowed(method, path);
                };
            }
            if (path.startsWith("/keys/") && path.indexOf('/', 6) < 0 && path.length() > 6) {
                return oneKey(method, URLDecoder.decode(path.substring(6), StandardCharsets.UTF_8), body);
            }
            return Reply.error(404, "Resource not found");
        } catch (KeyBodies.BadRequest e) {
            return Reply.error(400, e.getMessage());
        }
    }

    private Reply oneKey(String method, String hash, String body) {
        if (method.equals("DELETE")) {
            Optional<Fault> fault =
                    deleteFaults.next(store.get(hash).map(SimKey::name).orElse(null));
            if (fault.isPresent()) {
                return deleteWith(fault.get(), hash);
            }
        }
        Optional<SimKey> key =
                switch (method) {
                    case "GET" -> store.get(hash);
                    case "PATCH" -> store.update(hash, KeyBodies.patch(body));
                    case "DELETE" -> store.delete(hash);
                    default -> null;
                };
        if (key == null) {
            return notAllowed(method, "/keys/{hash}");
        }
        if (key.isEmpty()) {
            return Reply.error(404, "Key not found");
        }
        return new Reply.Answer(200, method.equals("DELETE") ? SimJson.deleted() : SimJson.one(key.get()));
    }

    private Reply deleteWith(Fault f, String hash) {
        return switch (f.kind()) {
            case STATUS -> Reply.error(f.status(), messageFor(f.status()));
            case RATE_LIMITED -> Reply.error(429, "Rate limit exceeded", retryAfter(f));
            case DROP_CONNECTION -> new Reply.Drop();
            case ACT_THEN_STATUS -> {
                store.delete(hash);
                yield Reply.error(f.status(), messageFor(f.status()));
            }
            case ACT_THEN_DROP -> {
                store.delete(hash);
                yield new Reply.Drop();
            }
            default -> throw new IllegalStateException(f.kind() + " is not a fault of DELETE /keys/{hash}");
        };
    }

    private Reply list(String query) {
        Map<String, String> params = params(query);
        int offset;
        try {
            offset = Integer.parseInt(params.getOrDefault("offset", "0"));
        } catch (NumberFormatException e) {
            throw new KeyBodies.BadRequest("offset must be an integer");
        }
        if (offset < 0) {
            throw new KeyBodies.BadRequest("offset must not be negative");
        }
        boolean includeDisabled = "true".equalsIgnoreCase(params.get("include_disabled"));
        return new Reply.Answer(200, SimJson.page(store.page(offset, PAGE_SIZE, includeDisabled)));
    }

    /** The {@code name} of a create body, or null when the body is not readable (validation answers 400 later). */
    private static String nameOf(String body) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = SimJson.MAPPER.readTree(body);
            return n != null && n.hasNonNull("name") ? n.get("name").asText() : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private Reply create(String body) {
        Optional<Fault> fault = faults.next(nameOf(body));
        if (fault.isEmpty()) {
            return new Reply.Answer(201, SimJson.created(createKey(body)));
        }
        Fault f = fault.get();
        return switch (f.kind()) {
            case STATUS -> Reply.error(f.status(), messageFor(f.status()));
            case RATE_LIMITED -> Reply.error(429, "Rate limit exceeded", retryAfter(f));
            case DROP_CONNECTION -> new Reply.Drop();
            case TIMEOUT_AFTER_CREATE -> {
                createKey(body);
                yield new Reply.Hang(f.hang());
            }
            case CREATE_THEN_UNAVAILABLE -> {
                createKey(body);
                yield Reply.error(503, "Service Unavailable", retryAfter(f));
            }
            case CREATE_LATE -> createLate(body, f.hang());
            case ACT_THEN_STATUS -> {
                createKey(body);
                yield Reply.error(f.status(), messageFor(f.status()));
            }
            case ACT_THEN_DROP -> {
                createKey(body);
                yield new Reply.Drop();
            }
            case MALFORMED_BODY -> {
                SimKey key = createKey(body);
                yield new Reply.Answer(
                        201, ("{\"data\":{\"hash\":\"" + key.hash() + "\",\"name\":").getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** Waits, then creates; a simulator closing meanwhile (interrupt) creates nothing. */
    private Reply createLate(String body, Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Drop();
        }
        SimKey key = createKey(body);
        createdLate.add(key.hash());
        return new Reply.Answer(201, SimJson.created(key));
    }

    /** Hashes of the keys a {@link Fault.Kind#CREATE_LATE} fault created. */
    Set<String> createdLate() {
        return Set.copyOf(createdLate);
    }

    private SimKey createKey(String body) {
        KeyBodies.Create c = KeyBodies.create(body);
        return store.create(c.name(), c.limit(), c.limitReset());
    }

    private static Map<String, String> retryAfter(Fault f) {
        if (f.retryAfter() != null) {
            return Map.of("Retry-After", Long.toString(f.retryAfter().toSeconds()));
        }
        if (f.retryAfterDate() != null) {
            return Map.of("Retry-After", HTTP_DATE.format(f.retryAfterDate()));
        }
        return Map.of();
    }

    private static String messageFor(int status) {
        return switch (status) {
            case 400 -> "Invalid request parameters";
            case 422 -> "Unprocessable entity";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            default -> "Simulated failure " + status;
        };
    }

    private static Reply notAllowed(String method, String path) {
        return Reply.error(405, method + " is not allowed on " + path);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }
}
