package io.provisioner.core.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeyListingTest {

    private static final Instant THEN = Instant.parse("2026-01-01T00:00:00Z");

    /** {@code newer} keys created after THEN in front of {@code older} keys created a day before, newest first. */
    private static List<ApiKey> account(int newer, int older) {
        List<ApiKey> keys = new ArrayList<>();
        IntStream.range(0, newer).forEach(i -> keys.add(key("new-" + i, THEN.plusSeconds(newer - i))));
        IntStream.range(0, older).forEach(i -> keys.add(key("old-" + i, THEN.minusSeconds(86_400 + i))));
        return keys;
    }

    private static ApiKey key(String hash, Instant createdAt) {
        return new ApiKey(hash, "teacher:" + hash, null, false, null, null, createdAt);
    }

    private static final class CountingPages implements KeyListing.Pages {
        private final List<ApiKey> keys;
        private int reads;

        CountingPages(List<ApiKey> keys) {
            this.keys = keys;
        }

        @Override
        public List<ApiKey> at(int offset) {
            reads++;
            return keys.subList(Math.min(offset, keys.size()), Math.min(offset + KeysApi.PAGE_SIZE, keys.size()));
        }
    }

    @Test
    void readsAPagePerNinetyKeysCreatedSinceAndStopsAtTheFirstOlderKey() {
        CountingPages pages = new CountingPages(account(500, 10_000));

        List<ApiKey> read = KeyListing.createdSince(pages, THEN);

        assertThat(pages.reads).isEqualTo(6);
        assertThat(read).extracting(ApiKey::hash).contains("new-0", "new-499");
    }

    @Test
    void boundedListingThatCannotReachTheInstantWithinItsPagesAnswersNothing() {
        CountingPages pages = new CountingPages(account(2_000, 10_000));

        assertThat(KeyListing.createdSince(pages, THEN, 10)).isEmpty();
        assertThat(pages.reads).isEqualTo(10);
    }

    @Test
    void boundedListingThatReachesTheInstantAnswersEveryNewerKey() {
        CountingPages pages = new CountingPages(account(500, 10_000));

        assertThat(KeyListing.createdSince(pages, THEN, 10))
                .hasValueSatisfying(
                        read -> assertThat(read).extracting(ApiKey::hash).contains("new-0", "new-499"));
        assertThat(pages.reads).isEqualTo(6);
    }
}
