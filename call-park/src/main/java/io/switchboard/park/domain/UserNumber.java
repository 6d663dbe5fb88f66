package io.switchboard.park.domain;

/**
 * A number that already reaches a user and so cannot be an orbit: the user part of their SIP
 * address, or their E.164 phone number.
 *
 * @param aor    the user, for the conflict message
 * @param user   the user part of the AOR
 * @param phone  E.164 ({@code +3120...}) or "" when none
 */
public record UserNumber(String aor, String user, String phone) {}
