package io.provisioner.stream.internals;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyListing;
import io.provisioner.core.ports.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the keys an attempt whose outcome is unknown may have left on OpenRouter: every key with the
 * owner's exact name ({@link KeyNames}, so another pipeline's keys are never touched) created since that
 * attempt began, except the one to keep. Each delete is fenced: right before it, the store confirms that
 * the attempt is still the owner's current one and names the owner's stored key at that moment, which is
 * never deleted. A worker that stalled (a frozen process) and resumes after another took over therefore
 * deletes nothing. Thread-safe.
 */
public final class LeftoverKeys {

    /**
     * Most pages of {@code GET /keys} one clean-up reads in a stream thread: enough for the keys created
     * within the retry tiers' delays at any sane rate (about 900 keys), few enough to keep the thread's
     * worst case short. A clean-up that needs more (a {@code dlt replay} days later) is left to the orphan
     * sweep, which settles the intent in the background; until then no key is created.
     */
    public static final int MAX_PAGES = 10;

    private static final Logger LOG = LoggerFactory.getLogger(LeftoverKeys.class);

    private final ThrottledCalls calls;
    private final KeyStore store;
    private final KeyNames names;

    public LeftoverKeys(ThrottledCalls calls, KeyStore store, KeyNames names) {
        this.calls = calls;
        this.store = store;
        this.names = names;
    }

    /**
     * @param token the intent of the attempt whose keys are looked for, as loaded
     * @param keep a hash never to delete (the owner's stored key), or null
     * @return how many keys were deleted
     * @throws io.provisioner.core.errors.AttemptSupersededException when another attempt took over
     * @throws RetryableException when the keys created since the attempt began take more than {@link
     *     #MAX_PAGES} pages: the intent stays set, so no key is created before the sweep settles it
     */
    public int delete(OwnerRef owner, Instant token, String keep) {
        String name = names.nameOf(owner);
        int removed = 0;
        Instant since = token.minus(KeyListing.CLOCK_SKEW_MARGIN);
        List<ApiKey> named = calls.findByName(name, since, MAX_PAGES)
                .orElseThrow(() -> new RetryableException("more keys were created since " + since
                        + " than " + MAX_PAGES + " pages of GET /keys hold; the orphan sweep settles the create"
                        + " of " + owner.key() + " whose outcome is unknown, and no key is created until then"));
        for (ApiKey k : named) {
            if (k.hash().equals(keep)) {
                continue;
            }
            Optional<String> stored = store.confirmAttempt(owner, token);
            if (stored.isPresent() && stored.get().equals(k.hash())) {
                continue;
            }
            calls.call("DELETE /keys/{hash}", () -> calls.api().delete(k.hash()));
            removed++;
        }
        if (removed > 0) {
            LOG.info("deleted {} key(s) named {} left by an attempt whose outcome was unknown", removed, name);
        }
        return removed;
    }
}
