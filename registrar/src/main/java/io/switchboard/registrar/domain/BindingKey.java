package io.switchboard.registrar.domain;

/**
 * What makes two contacts "the same binding" within one AOR.
 *
 * <p>RFC 5626 section 6: with both {@code +sip.instance} and {@code reg-id} the binding is identified
 * by that pair, so a client that moves to a new Contact URI (new IP, new port) replaces its own flow
 * rather than adding a stale one. Otherwise RFC 3261 section 10.3 step 7 compares Contact URIs
 * (section 19.1.4 rules, see {@link ContactUris#comparisonKey}).
 */
public record BindingKey(String value) {

    public static BindingKey forFlow(String instanceId, int regId) {
        return new BindingKey("flow|" + instanceId + "|" + regId);
    }

    public static BindingKey forContact(String contactUri) {
        return new BindingKey("uri|" + ContactUris.comparisonKey(contactUri));
    }

    @Override
    public String toString() {
        return value;
    }
}
