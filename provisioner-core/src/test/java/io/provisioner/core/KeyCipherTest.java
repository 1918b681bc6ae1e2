package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.secret.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class KeyCipherTest {

    private static final byte[] RAW = new byte[32];
    private static final String B64 = Base64.getEncoder().encodeToString(RAW);
    private final KeyCipher cipher = KeyCipher.fromBase64(new Secret(B64));

    @Test
    void roundTripsWithTheOwnerAsAssociatedData() {
        String stored = cipher.encrypt("sk-or-v1-abc", "teacher:42");
        assertThat(stored).startsWith("v1:").doesNotContain("sk-or");
        assertThat(cipher.decrypt(stored, "teacher:42").reveal()).isEqualTo("sk-or-v1-abc");
    }

    @Test
    void formatIsIvCiphertextTagUnderAes256Gcm() throws Exception {
        String stored = cipher.encrypt("secret", "organization:7");
        ByteBuffer all = ByteBuffer.wrap(Base64.getDecoder().decode(stored.substring(3)));
        byte[] iv = new byte[12];
        all.get(iv);
        byte[] rest = new byte[all.remaining()];
        all.get(rest);
        assertThat(rest.length).isEqualTo("secret".length() + 16);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(RAW, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD("organization:7".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(c.doFinal(rest), StandardCharsets.UTF_8)).isEqualTo("secret");
    }

    @Test
    void anotherOwnerCannotDecrypt() {
        String stored = cipher.encrypt("sk-or-v1-abc", "teacher:42");
        assertThatThrownBy(() -> cipher.decrypt(stored, "teacher:43"))
                .hasMessageContaining("authentication")
                .hasMessageNotContaining("sk-or");
    }

    @Test
    void eachEncryptionUsesAFreshIv() {
        assertThat(cipher.encrypt("x", "a:b")).isNotEqualTo(cipher.encrypt("x", "a:b"));
    }

    /** Each thread reuses one cipher object: a failed decryption, or another key, must not leave it unusable. */
    @Test
    void operationsAfterAFailedDecryptionAndUnderAnotherKeyOnTheSameThreadStillWork() {
        byte[] otherRaw = new byte[32];
        otherRaw[0] = 1;
        KeyCipher other = KeyCipher.fromBase64(new Secret(Base64.getEncoder().encodeToString(otherRaw)));
        String stored = cipher.encrypt("sk-or-v1-abc", "teacher:42");
        assertThatThrownBy(() -> cipher.decrypt(stored, "teacher:43")).hasMessageContaining("authentication");
        assertThatThrownBy(() -> other.decrypt(stored, "teacher:42")).hasMessageContaining("authentication");

        String again = cipher.encrypt("sk-or-v1-def", "teacher:42");
        String byOther = other.encrypt("sk-or-v1-ghi", "teacher:42");

        assertThat(cipher.decrypt(stored, "teacher:42").reveal()).isEqualTo("sk-or-v1-abc");
        assertThat(cipher.decrypt(again, "teacher:42").reveal()).isEqualTo("sk-or-v1-def");
        assertThat(other.decrypt(byOther, "teacher:42").reveal()).isEqualTo("sk-or-v1-ghi");
    }

    @Test
    void rejectsKeysThatAreNotThirtyTwoBytesOfBase64() {
        assertThatThrownBy(() -> KeyCipher.fromBase64(new Secret("abc!")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("is not valid base64")
                .hasMessageNotContaining("abc!");
        assertThatThrownBy(() -> KeyCipher.fromBase64(new Secret("AAAA"))).hasMessageContaining("3 bytes");
    }
}
