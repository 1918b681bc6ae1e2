package io.provisioner.cli.ops;

import io.provisioner.core.logging.Texts;
import io.provisioner.core.secret.Secret;

/**
 * One row of the {@code import-keys} query: an owner and the key it already has. {@link #toString()}
 * never shows the secret.
 *
 * @param row the row's number in the query's result, from 1
 * @param keyHash OpenRouter's hash of the key, or null when the query gives none
 */
public record ImportRow(int row, String ownerType, String ownerId, Secret apiKey, String keyHash) {

    /** {@code <owner_type>:<owner_id>} as the query gave it, shortened for a report. */
    public String shownOwner() {
        return Texts.abbreviate(ownerType + ":" + ownerId, 100);
    }

    @Override
    public String toString() {
        return "ImportRow[row=" + row + ", owner=" + shownOwner() + ", keyHash=" + keyHash + "]";
    }
}
