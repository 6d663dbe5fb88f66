package io.switchboard.proxy.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Loop detection by branch parameter (RFC 3261 section 16.3 step 4 and section 16.6 step 8).
 *
 * <p>Every branch we send starts with {@code z9hG4bK} + {@code sb} + a hash of the fields that
 * identify the request as we received it. When a request comes back carrying one of our Vias, the
 * hash is computed again over the same fields (using the Via below ours as "the top Via as
 * received"): equal means the very same request reached us again, a loop (482); different means
 * a spiral (the request was changed, e.g. retargeted), which is allowed.
 */
public final class LoopDetection {

    public static final String PREFIX = "z9hG4bKsb";
    private static final int HASH_CHARS = 16;

    private LoopDetection() {}

    public static String hash(
            String requestUri, String fromTag, String toTag, String callId, long cseq, String viaBelow) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {requestUri, fromTag, toTag, callId, Long.toString(cseq), viaBelow}) {
                md.update((s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A branch for a new client transaction: the loop hash and something unique per branch. */
    public static String branch(String hash, String unique) {
        return PREFIX + hash + "." + unique;
    }

    /** True when {@code branch} was made by us for a request with this hash. */
    public static boolean isLoop(String branch, String hash) {
        return branch != null && branch.startsWith(PREFIX + hash + ".");
    }
}
