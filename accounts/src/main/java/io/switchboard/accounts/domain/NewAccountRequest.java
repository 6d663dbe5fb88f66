package io.switchboard.accounts.domain;

/**
 * An account as an operator typed it (admin API body or one import row), not yet checked.
 * Any field may be null or blank; {@link AccountRules#validate} says what is wrong with it.
 *
 * @param site the site the user is homed at; null or blank: the central pool
 */
public record NewAccountRequest(String uri, String password, String displayName, String phone, String site) {

    /** A user homed at the central pool. */
    public NewAccountRequest(String uri, String password, String displayName, String phone) {
        this(uri, password, displayName, phone, null);
    }

    /** Never prints the password: requests end up in logs and error reports. */
    @Override
    public String toString() {
        return "NewAccountRequest[uri=" + uri + ", password=" + (password == null ? "null" : "***") + ", displayName="
                + displayName + ", phone=" + phone + ", site=" + site + "]";
    }
}
