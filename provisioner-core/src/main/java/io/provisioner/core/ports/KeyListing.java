package io.provisioner.core.ports;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code GET /keys} page by page (newest first, offset paging) without missing a key that exists
 * from the first page read to the last, although other keys are created and deleted in between.
 *
 * <p>A creation shifts older keys back (they are read twice, and de-duplicated by hash); a deletion
 * shifts them forward, so a key could slip past the next page's offset. Each page therefore overlaps the
 * previous one by {@value #OVERLAP} keys and must hold at least one key already read: the keys are in a
 * stable order and new ones only appear at the front, so such a page continues the keys read so far
 * without a gap. A page that holds none (every overlapping key was deleted meanwhile) is read again
 * from further back. Stateless; the page reader decides about permits and threads.
 */
public final class KeyListing {

    /** Keys a page shares with the previous one; that many deletions between two pages cost no re-read. */
    public static final int OVERLAP = 10;

    private static final int STEP = KeysApi.PAGE_SIZE - OVERLAP;

    /**
     * How far OpenRouter's {@code created_at} may lag behind this process's clock: a listing that looks
     * back to an instant of ours looks back this much further.
     */
    public static final Duration CLOCK_SKEW_MARGIN = Duration.ofMinutes(5);

    /** Reads one page of {@code GET /keys}, disabled keys included. */
    @FunctionalInterface
    public interface Pages {
        List<ApiKey> at(int offset);
    }

    private KeyListing() {}

    /** Every key, every page, each once. */
    public static List<ApiKey> all(Pages pages) {
        return createdSince(pages, null);
    }

    /**
     * Every key created at or after {@code notBefore}, and possibly some older ones: reading stops after
     * the first page that holds an older key, since the pages after it hold older keys only. A key whose
     * creation time is unknown never stops it; null reads every page.
     */
    public static List<ApiKey> createdSince(Pages pages, Instant notBefore) {
        return createdSince(pages, notBefore, Integer.MAX_VALUE).orElseThrow();
    }

    /**
     * As {@link #createdSince(Pages, Instant)}, reading at most {@code maxPages} pages (re-reads included).
     *
     * @return empty when {@code maxPages} pages did not reach a key older than {@code notBefore} nor the
     *     end of the listing: more keys were created since than a bounded caller may read
     */
    public static Optional<List<ApiKey>> createdSince(Pages pages, Instant notBefore, int maxPages) {
        Map<String, ApiKey> read = new LinkedHashMap<>();
        int offset = 0;
        for (int reads = 0; reads < maxPages; reads++) {
            List<ApiKey> page = pages.at(offset);
            if (offset > 0 && page.stream().noneMatch(k -> read.containsKey(k.hash()))) {
                offset = Math.max(0, offset - STEP);
                continue;
            }
            page.forEach(k -> read.putIfAbsent(k.hash(), k));
            if (page.size() < KeysApi.PAGE_SIZE || holdsOlder(page, notBefore)) {
                return Optional.of(new ArrayList<>(read.values()));
            }
            offset += STEP;
        }
        return Optional.empty();
    }

    private static boolean holdsOlder(List<ApiKey> page, Instant notBefore) {
        return notBefore != null
                && page.stream()
                        .anyMatch(k -> k.createdAt() != null && k.createdAt().isBefore(notBefore));
    }
}
