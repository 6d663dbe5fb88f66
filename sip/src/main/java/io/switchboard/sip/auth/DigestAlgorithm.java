package io.switchboard.sip.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Digest algorithms the pool offers: SHA-256 (RFC 7616, RFC 8760 for SIP) first, MD5 for the
 * many clients that know nothing else (RFC 3261 section 22.4).
 */
public enum DigestAlgorithm {
    SHA_256("SHA-256", "SHA-256", 64),
    MD5("MD5", "MD5", 32);

    private final String token;
    private final String jcaName;
    private final int hexLength;

    DigestAlgorithm(String token, String jcaName, int hexLength) {
        this.token = token;
        this.jcaName = jcaName;
        this.hexLength = hexLength;
    }

    /** Length of a hash in lower-case hex: 64 for SHA-256, 32 for MD5. */
    public int hexLength() {
        return hexLength;
    }

    /** The name as written in the {@code algorithm} parameter of a challenge or response. */
    public String token() {
        return token;
    }

    /** Lower-case hex of the hash of the UTF-8 bytes of {@code text}. */
    public String hashHex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance(jcaName);
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM lacks " + jcaName, e);
        }
    }

    /** HA1 = H(username ":" realm ":" password), RFC 7616 section 3.4.2. */
    public String ha1(String username, String realm, String password) {
        return hashHex(username + ":" + realm + ":" + password);
    }

    /**
     * The algorithm a response names. A missing parameter means MD5 (RFC 7616 section 3.3);
     * "-sess" variants and anything unknown are not offered and so not accepted.
     */
    public static Optional<DigestAlgorithm> fromToken(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.of(MD5);
        }
        for (DigestAlgorithm a : values()) {
            if (a.token.equalsIgnoreCase(token)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
