package io.provisioner.core.config;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import java.util.Objects;
import java.util.Optional;

/**
 * The OpenRouter key name of an owner: {@code <OR_KEY_NAME_PREFIX><owner_type>:<owner_id>} (CONTRACT
 * section 5). The one place that writes and reads names, so that clean-up, sweep and reconcile consider
 * only the names of this pipeline's prefix. Immutable.
 */
public record KeyNames(String prefix) {

    public static final KeyNames UNPREFIXED = new KeyNames("");

    public KeyNames {
        Objects.requireNonNull(prefix, "prefix");
    }

    /** The name of the owner's key. */
    public String nameOf(OwnerRef owner) {
        return prefix + owner.key();
    }

    /** True when the name carries this pipeline's prefix and an owner type of ours, valid or not. */
    public boolean looksOurs(String name) {
        if (name == null || !name.startsWith(prefix)) {
            return false;
        }
        String rest = name.substring(prefix.length());
        int colon = rest.indexOf(':');
        return colon > 0 && OwnerRef.TYPES.contains(rest.substring(0, colon));
    }

    /**
     * The owner a name of ours names; empty for another pipeline's or a foreign name, and for a name that
     * looks ours but names no valid owner (such as {@code organization: }).
     */
    public Optional<OwnerRef> ownerOf(String name) {
        if (!looksOurs(name)) {
            return Optional.empty();
        }
        try {
            return Optional.of(OwnerRef.parseKey(name.substring(prefix.length())));
        } catch (FatalException notAnOwner) {
            return Optional.empty();
        }
    }
}
