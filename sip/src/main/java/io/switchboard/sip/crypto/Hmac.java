package io.switchboard.sip.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 keyed by a pool-wide secret, with a purpose label mixed into every MAC so that a
 * value signed for one use (a nonce) can never be accepted for another (a flow token), even when
 * an operator configures the same secret for both.
 *
 * <p>Instances are immutable and thread-safe: a fresh {@link Mac} is created per call, which
 * costs about a microsecond and avoids both locking and thread-local leaks in JAIN-SIP's pools.
 */
public final class Hmac {
    private static final String ALGORITHM = "HmacSHA256";
    /** Shorter secrets make offline guessing of the key from captured tokens plausible. */
    public static final int MIN_SECRET_BYTES = 16;

    private final SecretKeySpec key;
    private final byte[] label;

    public Hmac(byte[] secret, String purpose) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("secret must have at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        byte[] p = purpose.getBytes(StandardCharsets.UTF_8);
        // label = purpose || 0x00, so that no purpose is a prefix of another purpose's input
        this.label = Arrays.copyOf(p, p.length + 1);
    }

    /** The full 32-byte MAC over label || parts[0] || parts[1] ... */
    public byte[] mac(byte[]... parts) {
        Mac mac = newMac();
        mac.update(label);
        for (byte[] part : parts) {
            mac.update(part);
        }
        return mac.doFinal();
    }

    /** The first {@code length} bytes of {@link #mac}. */
    public byte[] truncatedMac(int length, byte[]... parts) {
        return Arrays.copyOf(mac(parts), length);
    }

    /** Compares without an early exit, so timing does not reveal how many leading bytes matched. */
    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JVM lacks " + ALGORITHM, e);
        }
    }
}
