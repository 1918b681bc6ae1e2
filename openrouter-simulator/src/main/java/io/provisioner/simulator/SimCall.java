package io.provisioner.simulator;

import java.time.Instant;

/**
 * One request the simulator answered (or hung up on): what the control API's dump lists, one
 * {@link #toLine() line} each.
 *
 * @param path the raw path, e.g. {@code /api/v1/keys}
 * @param status the HTTP status it answered, or 0 when it hung or dropped the connection without one
 * @param at when it arrived
 */
public record SimCall(String method, String path, int status, Instant at) {

    /** {@code METHOD PATH STATUS EPOCH_MICROS}, e.g. {@code POST /api/v1/keys 201 1764900000123456}. */
    public String toLine() {
        long micros = Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000);
        return method + ' ' + path + ' ' + status + ' ' + micros;
    }

    /**
     * Reads a {@link #toLine()} line back (to the microsecond).
     *
     * @throws IllegalArgumentException naming the line, when it is not one
     */
    public static SimCall fromLine(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 4) {
            throw new IllegalArgumentException("not a call line (METHOD PATH STATUS EPOCH_MICROS): '" + line + "'");
        }
        try {
            long micros = Long.parseLong(f[3]);
            return new SimCall(
                    f[0],
                    f[1],
                    Integer.parseInt(f[2]),
                    Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a call line (METHOD PATH STATUS EPOCH_MICROS): '" + line + "'", e);
        }
    }
}
