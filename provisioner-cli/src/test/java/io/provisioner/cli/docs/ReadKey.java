package io.provisioner.cli.docs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public final class ReadKey {
    private ReadKey() {}

    /** The secret of a stored {@code encrypted_key}; throws when the key or the owner is wrong. */
    public static String decryptKey(String encryptedKey, String ownerType, String ownerId, String base64Key)
            throws GeneralSecurityException {
        if (!encryptedKey.startsWith("v1:")) {
            throw new IllegalArgumentException("encrypted_key does not start with v1:");
        }
        byte[] all = Base64.getDecoder().decode(encryptedKey.substring(3));
        byte[] key = Base64.getDecoder().decode(base64Key.trim());
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, all, 0, 12));
        cipher.updateAAD((ownerType + ":" + ownerId).getBytes(StandardCharsets.UTF_8));
        return new String(cipher.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
    }
}
