package io.provisioner.simulator;

import java.time.Instant;

/**
 * One request the simulator received. Headers are not kept, so the {@code Authorization} value never is.
 *
 * @param path the raw path, e.g. {@code /api/v1/keys/abc}
 * @param query the raw query string, or null
 * @param body the request body as UTF-8 text, empty when there was none
 */
public record SimRequest(String method, String path, String query, String body, Instant at) {}
