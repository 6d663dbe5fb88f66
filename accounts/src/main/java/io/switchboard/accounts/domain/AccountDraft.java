package io.switchboard.accounts.domain;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request that passed {@link AccountRules}: canonical address, checked password, trimmed
 * display name and phone in E.164 (or empty). Only {@link AccountRules} creates one, so holding a
 * draft means the input was valid. It carries the clear password just long enough to derive the
 * HA1 values in {@link #toAccount}.
 */
public final class AccountDraft {

    private final SipAddress address;
    private final String password;
    private final String displayName;
    private final String phone;
    private final String homeSite;

    AccountDraft(SipAddress address, String password, String displayName, String phone, String homeSite) {
        this.address = Objects.requireNonNull(address, "address");
        this.password = Objects.requireNonNull(password, "password");
        this.displayName = Objects.requireNonNull(displayName, "displayName");
        this.phone = Objects.requireNonNull(phone, "phone");
        this.homeSite = Objects.requireNonNull(homeSite, "homeSite");
    }

    /** The branch site the user is homed at, or {@link Account#POOL_SITE}. */
    public String homeSite() {
        return homeSite;
    }

    public SipAddress address() {
        return address;
    }

    public String displayName() {
        return displayName;
    }

    /** E.164 ("+" and digits) or empty. */
    public String phone() {
        return phone;
    }

    /** The account with HA1 computed for every algorithm the pool offers, realm = domain. */
    public Account toAccount(Instant createdAt) {
        Map<DigestAlgorithm, String> ha1 = new EnumMap<>(DigestAlgorithm.class);
        for (DigestAlgorithm algorithm : DigestAlgorithm.values()) {
            ha1.put(algorithm, algorithm.ha1(address.user(), address.domain(), password));
        }
        return new Account(address.user(), address.domain(), displayName, phone, ha1, createdAt, homeSite);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccountDraft d
                && address.equals(d.address)
                && password.equals(d.password)
                && displayName.equals(d.displayName)
                && phone.equals(d.phone)
                && homeSite.equals(d.homeSite);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, password, displayName, phone, homeSite);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "AccountDraft[" + address.aor() + ", displayName=" + displayName + ", phone=" + phone + ", site="
                + homeSite + "]";
    }
}
