package io.switchboard.conference.domain;

/** How the focus knows who is joining. */
public enum JoinerKind {
    /** Authenticated by this pool (HTTP Digest / SIP Digest) as a user of one of our domains. */
    OUR_USER,
    /** Asserted by a federated partner's edge: a user of another domain. */
    FEDERATED,
    /** Nobody vouches for the caller: only {@link AccessType#OPEN} conferences take them. */
    ANONYMOUS
}
