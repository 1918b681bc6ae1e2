package io.provisioner.cli.ops;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.db.KeyAdoptionQueries;
import java.util.Optional;

/** What the database knows; {@code KeyAdoptionQueries} in production. */
public interface ImportLookups {
    /** The owner with its row's {@code id::text}; empty when there is no such row. */
    Optional<OwnerRef> canonical(OwnerRef owner);

    /** The hash of the owner's active key, if it has one. */
    Optional<String> activeKeyHash(OwnerRef owner);

    /** Whom a hash is stored for, revoked or not. */
    Optional<OwnerRef> ownerOfHash(String hash);

    static ImportLookups of(KeyAdoptionQueries q) {
        return new ImportLookups() {
            @Override
            public Optional<OwnerRef> canonical(OwnerRef owner) {
                return q.canonical(owner);
            }

            @Override
            public Optional<String> activeKeyHash(OwnerRef owner) {
                return q.activeKey(owner).map(k -> k.hash());
            }

            @Override
            public Optional<OwnerRef> ownerOfHash(String hash) {
                return q.ownerOfHash(hash);
            }
        };
    }
}
