package io.provisioner.db;

/**
 * What {@link JdbcKeyStore#rotateEncryption} did.
 *
 * @param reencrypted rows that were under the old key and now are under the new one
 * @param alreadyCurrent rows that already decrypted with the new key
 * @param undecryptable rows that decrypt with neither key; left unchanged
 */
public record RotationResult(int reencrypted, int alreadyCurrent, int undecryptable) {

    public int total() {
        return reencrypted + alreadyCurrent + undecryptable;
    }
}
