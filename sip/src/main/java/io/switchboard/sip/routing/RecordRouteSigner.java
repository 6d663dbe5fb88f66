package io.switchboard.sip.routing;

import io.switchboard.sip.crypto.Hmac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Signs the Record-Route URIs this pool inserts, so that a Route naming one of our nodes proves
 * that the pool record-routed <em>this</em> dialog (and is no open relay: a request with a To tag
 * earns forwarding only with such a Route, see {@code RequestClassifier} in pool-node).
 *
 * <p>The signature is an HMAC with the pool secret over the Call-ID and the From tag of the
 * dialog-creating request, put in the URI parameter {@value #PARAMETER}. Every request of the
 * dialog carries the Call-ID, and the initiator's tag as its From tag (requests from the
 * initiator) or as its To tag (requests from the other side, RFC 3261 section 12.2.1.1), so
 * {@link #verifies} needs no state: any node of the pool, including one started after the dialog
 * began, checks another node's Record-Route. The Call-ID and tags are compared byte for byte, as
 * RFC 3261 section 12 identifies a dialog.
 *
 * <p>What it does not prove: a party to a dialog the pool routed can still address its own
 * in-dialog requests to any remote target, as with any record-routing proxy (RFC 3261 section 16
 * does not let a proxy know the remote targets without dialog state).
 *
 * <p>Immutable and thread-safe.
 */
public final class RecordRouteSigner {

    /** The URI parameter of our Record-Route that carries the signature. */
    public static final String PARAMETER = "sbsig";

    private static final String PURPOSE = "switchboard record-route v1";
    /** 96 bits: far beyond online guessing, and short in every request of a dialog (16 characters). */
    private static final int MAC_BYTES = 12;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final Hmac hmac;

    /** @param secret the pool secret ({@code switchboard.sip.secret}), the same on every node */
    public RecordRouteSigner(byte[] secret) {
        this.hmac = new Hmac(secret, PURPOSE);
    }

    /**
     * The signature for a dialog, in characters valid unescaped in a URI parameter (base64url).
     *
     * @param callId       the Call-ID of the dialog-creating request
     * @param initiatorTag its From tag, or null when it had none (an RFC 2543 client)
     */
    public String sign(String callId, String initiatorTag) {
        return ENCODER.encodeToString(mac(callId, initiatorTag));
    }

    /**
     * True when {@code signature} was made by this pool for the dialog of a request with these
     * identifiers: for its Call-ID with either its From tag or its To tag as the initiator's tag.
     *
     * @param signature the parameter's value, or null when the Route had none
     */
    public boolean verifies(String signature, String callId, String fromTag, String toTag) {
        if (signature == null || callId == null) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (given.length != MAC_BYTES) {
            return false;
        }
        // Both checks always run, so the time taken does not say which tag was wrong.
        boolean fromSide = Hmac.constantTimeEquals(given, mac(callId, fromTag));
        boolean toSide = toTag != null && Hmac.constantTimeEquals(given, mac(callId, toTag));
        return fromSide | toSide;
    }

    /** Length-prefixed fields, so no Call-ID / tag split can be read as another. */
    private byte[] mac(String callId, String tag) {
        return hmac.truncatedMac(MAC_BYTES, field(callId), field(tag == null ? "" : tag));
    }

    private static byte[] field(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }
}
