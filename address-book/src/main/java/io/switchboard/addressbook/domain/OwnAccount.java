package io.switchboard.addressbook.domain;

/** One of the pool's own user accounts as the address book needs it: AOR ({@code sip:user@domain}), name, phone. */
public record OwnAccount(String aor, String displayName, String phone) {}
