package io.switchboard.addressbook.domain;

import java.util.Arrays;
import java.util.Optional;

/**
 * The attributes an address book entry has (issue 14, item 1), each with the name used for it in the
 * configuration, the CSV header defaults and the files ({@link #key()}), and the LDAP attribute it is read from
 * by default (Active Directory's names; {@code msRTCSIP-PrimaryUserAddress} is where Skype for Business keeps a
 * user's SIP URI).
 */
public enum Attribute {
    DISPLAY_NAME("display-name", "displayName"),
    GIVEN_NAME("given-name", "givenName"),
    SURNAME("surname", "sn"),
    MAIL("mail", "mail"),
    SIP_URI("sip-uri", "msRTCSIP-PrimaryUserAddress"),
    TELEPHONE("telephone", "telephoneNumber"),
    MOBILE("mobile", "mobile"),
    HOME("home", "homePhone"),
    TITLE("title", "title"),
    DEPARTMENT("department", "department"),
    OFFICE("office", "physicalDeliveryOfficeName"),
    COMPANY("company", "company"),
    MANAGER("manager", "manager");

    private final String key;
    private final String ldapDefault;

    Attribute(String key, String ldapDefault) {
        this.key = key;
        this.ldapDefault = ldapDefault;
    }

    public String key() {
        return key;
    }

    public String ldapDefault() {
        return ldapDefault;
    }

    public boolean isPhone() {
        return this == TELEPHONE || this == MOBILE || this == HOME;
    }

    public static Optional<Attribute> byKey(String key) {
        return Arrays.stream(values()).filter(a -> a.key.equals(key)).findFirst();
    }
}
