package io.provisioner.db.ratelimit;

import java.time.Duration;
import java.util.Locale;

/**
 * The share of the configured rate that OpenRouter currently accepts, adapted to its 429s: additive
 * increase, multiplicative decrease. A 429 halves the share the first time (or when the share is well
 * above the last one that drew a 429), else takes 10 % off, at most once a second, never below
 * {@link #FLOOR}; a {@code Retry-After} also pauses every call briefly (the caller cuts it to at most
 * {@link RateLimiters#MAX_SHARED_PAUSE}; a stored pause longer than that, left by an older version, is
 * ignored, so no pause outlives its end or a restart by more). Without 429s the
 * share climbs back, from a second after the decrease: fast ({@link #FAST_PER_SECOND}) up to 90 % of the
 * share of the last 429, slowly ({@link #SLOW_PER_SECOND}) above it, up to 1 (the configured rate, never
 * more). Immutable; times are
 * epoch milliseconds, so instances can share it.
 *
 * @param share the share at {@code since}
 * @param ceiling the share at the last 429 (0: none yet)
 * @param decreasedAt when the share was last decreased
 * @param pausedUntil nobody calls before this
 */
record AimdRate(double share, double ceiling, long decreasedAt, long pausedUntil) {
    static final double FLOOR = 0.05;
    static final double FAST_PER_SECOND = 0.05;
    static final double SLOW_PER_SECOND = 0.01;
    static final long HOLD_MILLIS = 1_000;

    static final AimdRate FULL = new AimdRate(1, 0, 0, 0);

    /**
     * The share at {@code now}: climbed from {@link #share} since the pause, or since a second after the
     * decrease (429s of calls made before it still arrive meanwhile), whichever is later.
     */
    double shareAt(long now) {
        long from = Math.max(decreasedAt == 0 ? 0 : decreasedAt + HOLD_MILLIS, pausedUntil);
        double seconds = Math.max(0, now - from) / 1000.0;
        double fastTarget = Math.min(1, 0.9 * ceiling);
        double climbed;
        if (share < fastTarget) {
            double fastSeconds = (fastTarget - share) / FAST_PER_SECOND;
            climbed = seconds <= fastSeconds
                    ? share + FAST_PER_SECOND * seconds
                    : fastTarget + SLOW_PER_SECOND * (seconds - fastSeconds);
        } else {
            climbed = share + SLOW_PER_SECOND * seconds;
        }
        return Math.min(1, climbed);
    }

    /**
     * This state as seen at {@code now}: a pause that would last beyond {@link RateLimiters#MAX_SHARED_PAUSE}
     * from now was not written by this version (an older one stored whole {@code Retry-After}s) and is
     * dropped, so it neither holds calls nor the climb back.
     */
    AimdRate at(long now) {
        if (pausedUntil - now <= RateLimiters.MAX_SHARED_PAUSE.toMillis()) {
            return this;
        }
        return new AimdRate(share, ceiling, decreasedAt, 0);
    }

    /** After a 429 seen at {@code now}, with the pause it imposes on every caller (its cut {@code Retry-After}) or null. */
    AimdRate after429(long now, Duration pauseOrNull) {
        return at(now).decreasedAfter429(now, pauseOrNull);
    }

    private AimdRate decreasedAfter429(long now, Duration pauseOrNull) {
        long paused = pauseOrNull == null
                ? pausedUntil
                : Math.max(
                        pausedUntil,
                        now + Math.min(Math.max(0, pauseOrNull.toMillis()), RateLimiters.MAX_SHARED_PAUSE.toMillis()));
        if (decreasedAt != 0 && now - decreasedAt < HOLD_MILLIS) {
            return new AimdRate(share, ceiling, decreasedAt, paused);
        }
        double current = shareAt(now);
        double factor = ceiling == 0 || current > 1.1 * ceiling ? 0.5 : 0.9;
        return new AimdRate(Math.max(FLOOR, current * factor), current, now, paused);
    }

    String encode() {
        return String.format(Locale.ROOT, "%.6f;%.6f;%d;%d", share, ceiling, decreasedAt, pausedUntil);
    }

    /** The state {@link #encode} wrote; {@link #FULL} for null or anything unreadable. */
    static AimdRate decode(String text) {
        if (text == null) {
            return FULL;
        }
        String[] parts = text.split(";");
        try {
            return new AimdRate(
                    Double.parseDouble(parts[0]),
                    Double.parseDouble(parts[1]),
                    Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]));
        } catch (RuntimeException e) {
            return FULL;
        }
    }
}
