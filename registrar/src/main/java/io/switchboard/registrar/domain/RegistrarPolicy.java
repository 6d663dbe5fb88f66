package io.switchboard.registrar.domain;

/**
 * Operator settings of the registrar. Defaults follow the Lync / Skype for Business registrar:
 * expiry 300..900 s, default 600 s, at most 8 endpoints per user.
 *
 * @param minExpires     shorter requests get 423 Interval Too Brief with Min-Expires (RFC 3261 section 10.3 step 7)
 * @param maxExpires     longer requests are shortened to this (the 200 OK tells the client)
 * @param defaultExpires used when neither the contact nor the request states an expiry
 * @param maxBindings    bindings per AOR; a REGISTER that would exceed it is refused with 403
 */
public record RegistrarPolicy(long minExpires, long maxExpires, long defaultExpires, int maxBindings) {

    public static final RegistrarPolicy DEFAULTS = new RegistrarPolicy(300, 900, 600, 8);

    public RegistrarPolicy {
        if (minExpires < 1) {
            throw new IllegalArgumentException("min-expires must be at least 1 second");
        }
        if (maxExpires < minExpires) {
            throw new IllegalArgumentException("max-expires must not be below min-expires");
        }
        if (defaultExpires < minExpires || defaultExpires > maxExpires) {
            throw new IllegalArgumentException("default-expires must lie between min-expires and max-expires");
        }
        if (maxBindings < 1) {
            throw new IllegalArgumentException("max-bindings must be at least 1");
        }
    }
}
