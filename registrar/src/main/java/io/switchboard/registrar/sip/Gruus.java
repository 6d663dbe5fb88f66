package io.switchboard.registrar.sip;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * GRUUs of RFC 5627 section 5.3.
 *
 * <p>The public GRUU is the AOR with {@code gr=<instance URN>}. The temporary GRUU must not reveal
 * the AOR, so it is the AOR, instance and Call-ID sealed with AES-GCM under a key derived from the
 * pool's shared secret: any node can open it later to route to the instance, no lookup table is
 * needed, and a fresh IV makes each REGISTER's temp-gruu different (section 5.3: a new one on every
 * refresh, all valid for the registration's lifetime).
 */
public final class Gruus {

    /** What a temp-gruu names. */
    public record TempGruu(String aor, String instanceId, String callId) {}

    private static final int IV_BYTES = 12;
    private static final int TAG_BYTES = 16;
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);
    private final SecretKeySpec key;

    public Gruus(byte[] poolSecret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("switchboard temp-gruu".getBytes(StandardCharsets.UTF_8));
            byte[] k = sha.digest(poolSecret);
            this.key = new SecretKeySpec(k, 0, 16, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code sip:alice@example.test;gr=urn:uuid:...}: the instance id without its angle brackets. */
    public static String publicGruu(String aor, String instanceId) {
        return aor + ";gr=" + stripBrackets(instanceId);
    }

    public String tempGruu(String aor, String instanceId, String callId) {
        String domain = aor.substring(aor.indexOf('@') + 1);
        byte[] plain = (aor + "\n" + instanceId + "\n" + callId).getBytes(StandardCharsets.UTF_8);
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.get().nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, iv));
            byte[] sealed = cipher.doFinal(plain);
            ByteBuffer token =
                    ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed);
            return "sip:tgruu." + Base64.getUrlEncoder().withoutPadding().encodeToString(token.array()) + "@" + domain
                    + ";gr";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Opens the user part of a temp-gruu ({@code tgruu.<token>}); empty if forged or not one. */
    public Optional<TempGruu> openTempGruu(String userPart) {
        if (userPart == null || !userPart.startsWith("tgruu.")) {
            return Optional.empty();
        }
        try {
            byte[] token = Base64.getUrlDecoder().decode(userPart.substring("tgruu.".length()));
            // IV and GCM tag at least: a shorter forged token makes the provider throw a
            // ProviderException (a RuntimeException) rather than a GeneralSecurityException
            if (token.length < IV_BYTES + TAG_BYTES) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, token, 0, IV_BYTES));
            String[] parts = new String(
                            cipher.doFinal(token, IV_BYTES, token.length - IV_BYTES), StandardCharsets.UTF_8)
                    .split("\n", 3);
            return parts.length == 3 ? Optional.of(new TempGruu(parts[0], parts[1], parts[2])) : Optional.empty();
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private static String stripBrackets(String instanceId) {
        String s = instanceId.trim();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }
}
