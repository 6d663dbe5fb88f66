package io.switchboard.sip.auth;

/**
 * Why an authentication failed. Few values on purpose: they become a metric label. An unknown
 * user and a wrong password are both {@link #BAD_CREDENTIALS}, so that neither the response, nor
 * the logs an attacker might see, nor the metrics tell them apart (no account enumeration).
 */
public enum AuthFailure {
    BAD_CREDENTIALS("wrong password or unknown user"),
    REPLAYED("nonce count replayed"),
    INVALID_NONCE("nonce forged, malformed or issued for another realm"),
    REALM_MISMATCH("realm is not the challenged realm"),
    QOP_MISSING("response without qop; qop=auth is required"),
    QOP_UNSUPPORTED("qop other than auth"),
    MALFORMED("credentials malformed or incomplete");

    private final String description;

    AuthFailure(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
