package io.switchboard.registrar.domain;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One Contact header value of a REGISTER, already parsed at the SIP edge.
 *
 * @param uri        the contact URI
 * @param expires    the contact's {@code expires} parameter, if any (RFC 3261 section 10.2.1.1)
 * @param q          q-value times 1000 (0..1000), 1000 when absent
 * @param instanceId {@code +sip.instance} value or null (RFC 5626 section 4.1, RFC 5627)
 * @param regId      {@code reg-id} value, 0 when absent (RFC 5626 section 4.2)
 */
public record ContactSpec(String uri, OptionalLong expires, int q, String instanceId, int regId) {

    public ContactSpec {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(expires, "expires");
        if (q < 0 || q > 1000) {
            throw new IllegalArgumentException("q must be 0..1000, was " + q);
        }
        if (regId < 0) {
            throw new IllegalArgumentException("reg-id must be positive");
        }
    }

    public static ContactSpec of(String uri) {
        return new ContactSpec(uri, OptionalLong.empty(), 1000, null, 0);
    }

    public ContactSpec withExpires(long seconds) {
        return new ContactSpec(uri, OptionalLong.of(seconds), q, instanceId, regId);
    }

    public ContactSpec withQ(int q) {
        return new ContactSpec(uri, expires, q, instanceId, regId);
    }

    public ContactSpec withInstance(String instanceId, int regId) {
        return new ContactSpec(uri, expires, q, instanceId, regId);
    }

    BindingKey key() {
        return instanceId != null && regId > 0 ? BindingKey.forFlow(instanceId, regId) : BindingKey.forContact(uri);
    }
}
