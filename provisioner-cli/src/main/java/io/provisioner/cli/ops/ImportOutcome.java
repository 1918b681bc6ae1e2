package io.provisioner.cli.ops;

import java.util.Locale;

/** What {@code import-keys} did with one row. */
public enum ImportOutcome {
    /** Renamed, given the configured limit and stored as the owner's active key. */
    IMPORTED(true),
    /** {@code --dry-run}: found and would be imported. */
    WOULD_IMPORT(true),
    /** The owner has an active key already (imported by an earlier run, or provisioned). */
    SKIPPED_HAS_KEY(true),
    /** No key on OpenRouter has this hash or a label that fits the secret: not stored. */
    NOT_ON_OPENROUTER(false),
    /** Several keys on OpenRouter have labels that fit the secret and no hash tells them apart. */
    AMBIGUOUS(false),
    /** The key is disabled on OpenRouter: not stored, the pipeline gives the owner a new key. */
    DISABLED(false),
    /** The key is stored or named for another owner already. */
    KEY_OF_ANOTHER_OWNER(false),
    /** No row in the owner table has this id. */
    OWNER_MISSING(false),
    /** The row is not usable: unknown owner type, blank id or key. */
    INVALID(false),
    /** OpenRouter or the database failed; running again retries it. */
    FAILED(false);

    private final boolean fine;

    ImportOutcome(boolean fine) {
        this.fine = fine;
    }

    /** True when the owner has (or, in a dry run, would have) its key adopted or had one already. */
    public boolean fine() {
        return fine;
    }

    /** The name in reports, e.g. {@code not_on_openrouter}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
