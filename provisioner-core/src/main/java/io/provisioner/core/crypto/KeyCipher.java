package io.provisioner.core.crypto;

import io.provisioner.core.secret.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of stored API keys (CONTRACT section 4): {@code v1:} followed by base64 of
 * 12-byte IV, ciphertext and 16-byte tag, with the owner {@code <owner_type>:<owner_id>} as associated
 * data so that a ciphertext cannot be moved to another owner. Thread-safe.
 */
public final class KeyCipher {

    public static final String PREFIX = "v1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One cipher object per thread, initialised afresh (key, new IV) for every operation: {@code
     * Cipher.getInstance}'s provider lookup was a third of {@link #encrypt}'s CPU, once per stored key.
     */
    private static final ThreadLocal<Cipher> AES_GCM = new ThreadLocal<>();

    private final SecretKeySpec key;

    private KeyCipher(byte[] raw) {
        this.key = new SecretKeySpec(raw, "AES");
    }

    /**
     * @throws IllegalArgumentException when the value is not base64 of exactly 32 bytes; the message, which
     *     never holds the value, reads after the setting's name ({@link
     *     io.provisioner.core.config.ProvisionerConfig} names it)
     */
    public static KeyCipher fromBase64(Secret base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.reveal().trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not valid base64 (expected base64 of 32 random bytes)");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("decodes to " + raw.length + " bytes, expected 32 (AES-256)");
        }
        return new KeyCipher(raw);
    }

    public String encrypt(String plaintext, String associatedData) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = aesGcm();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return PREFIX
                    + Base64.getEncoder()
                            .encodeToString(ByteBuffer.allocate(iv.length + ct.length)
                                    .put(iv)
                                    .put(ct)
                                    .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * @throws IllegalArgumentException when the value is not ours or fails authentication (wrong key or
     *     wrong owner); the message never contains the value
     */
    public Secret decrypt(String stored, String associatedData) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            throw new IllegalArgumentException("encrypted key does not start with " + PREFIX);
        }
        byte[] all;
        try {
            all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("encrypted key is not valid base64");
        }
        if (all.length < IV_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("encrypted key is too short");
        }
        try {
            Cipher c = aesGcm();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] pt = c.doFinal(all, IV_BYTES, all.length - IV_BYTES);
            return new Secret(new String(pt, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("encrypted key failed authentication (wrong encryption key or owner)");
        }
    }

    /** This thread's AES/GCM cipher; the caller initialises it, which resets whatever state it had. */
    private static Cipher aesGcm() throws GeneralSecurityException {
        Cipher c = AES_GCM.get();
        if (c == null) {
            c = Cipher.getInstance("AES/GCM/NoPadding");
            AES_GCM.set(c);
        }
        return c;
    }
}
