package io.provisioner.simulator;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The simulator's keys, newest first. Thread-safe: every method holds the store's monitor briefly. */
final class SimKeyStore {
    private static final String PREFIX = "sk-or-v1-";

    private final NavigableMap<Long, SimKey> bySeq = new TreeMap<>(Comparator.reverseOrder());
    private final Map<String, Long> seqByHash = new HashMap<>();
    private final List<SimKey> deleted = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private long nextSeq;

    SimKeyStore(Clock clock) {
        this.clock = clock;
    }

    synchronized SimKey create(String name, BigDecimal limit, String limitReset) {
        return create(name, limit, limitReset, now());
    }

    synchronized SimKey create(String name, BigDecimal limit, String limitReset, Instant createdAt) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String hex = HexFormat.of().formatHex(bytes);
        String secret = PREFIX + hex;
        String label = PREFIX + hex.substring(0, 3) + "..." + hex.substring(hex.length() - 4);
        SimKey key = new SimKey(sha256(secret), name, secret, label, limit, limitReset, false, createdAt, createdAt);
        long seq = nextSeq++;
        bySeq.put(seq, key);
        seqByHash.put(key.hash(), seq);
        return key;
    }

    synchronized Optional<SimKey> get(String hash) {
        Long seq = seqByHash.get(hash);
        return seq == null ? Optional.empty() : Optional.of(bySeq.get(seq));
    }

    /** One page, newest first, skipping {@code offset} matching keys. */
    synchronized List<SimKey> page(int offset, int size, boolean includeDisabled) {
        List<SimKey> page = new ArrayList<>(Math.min(size, bySeq.size()));
        int skipped = 0;
        for (SimKey key : bySeq.values()) {
            if (key.disabled() && !includeDisabled) {
                continue;
            }
            if (skipped < offset) {
                skipped++;
            } else if (page.size() < size) {
                page.add(key);
            } else {
                break;
            }
        }
        return page;
    }

    /** Applies {@code change} and stamps {@code updatedAt}; empty when the key is unknown. */
    synchronized Optional<SimKey> update(String hash, UnaryOperator<SimKey> change) {
        Long seq = seqByHash.get(hash);
        if (seq == null) {
            return Optional.empty();
        }
        SimKey before = bySeq.get(seq);
        SimKey stamped = change.apply(before).with(now(), before.usage());
        bySeq.put(seq, stamped);
        return Optional.of(stamped);
    }

    /** Adds {@code usd} to the key's usage; empty when the key is unknown. */
    synchronized Optional<SimKey> spend(String hash, BigDecimal usd) {
        Long seq = seqByHash.get(hash);
        if (seq == null) {
            return Optional.empty();
        }
        SimKey k = bySeq.get(seq);
        SimKey spent = k.with(k.updatedAt(), k.usage().add(usd));
        bySeq.put(seq, spent);
        return Optional.of(spent);
    }

    synchronized Optional<SimKey> delete(String hash) {
        Long seq = seqByHash.remove(hash);
        if (seq == null) {
            return Optional.empty();
        }
        SimKey key = bySeq.remove(seq);
        deleted.add(key);
        return Optional.of(key);
    }

    synchronized List<SimKey> live() {
        return List.copyOf(bySeq.values());
    }

    synchronized List<SimKey> deleted() {
        return List.copyOf(deleted);
    }

    synchronized void clear() {
        bySeq.clear();
        seqByHash.clear();
        deleted.clear();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
