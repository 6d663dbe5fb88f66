package io.switchboard.accounts.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What makes a new account acceptable in this pool.
 *
 * <p>Password policy, decided here:
 * <ul>
 *   <li>8 to 128 characters (Unicode code points). 8 is NIST SP 800-63B's floor for a chosen
 *       secret; digest passwords are typed into phones, where longer is rare. The ceiling only
 *       bounds the input.</li>
 *   <li>No control characters: a phone keypad or provisioning file cannot reproduce them, and
 *       CR/LF in an import are almost always a quoting mistake.</li>
 *   <li>No white space at either end: in a CSV that is a copy/paste slip, and the user would
 *       never be able to log in with what they think the password is. Inner spaces are fine.</li>
 *   <li>Not equal to the user part.</li>
 *   <li>Not normalised (no NFC/NFKC): clients hash the bytes the user typed, as UTF-8, so the
 *       HA1 must be computed from exactly those.</li>
 * </ul>
 * All problems of one request are reported together, so an import report lists every fix a row
 * needs at once.
 */
public final class AccountRules {

    public static final int MIN_PASSWORD_LENGTH = 8;
    public static final int MAX_PASSWORD_LENGTH = 128;
    public static final int MAX_DISPLAY_NAME_LENGTH = 256;

    /** E.164: at most 15 digits, and no country code starts with 0. */
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{0,14}");

    private static final Pattern PHONE_SEPARATORS = Pattern.compile("[ -]");

    /** The central pool's site name when none is configured ({@code switchboard.sites.pool}). */
    public static final String DEFAULT_POOL_SITE = "pool";

    private final Set<String> servedDomains;
    private final String poolSite;
    private final Set<String> branchSites;

    /** @param servedDomains the SIP domains (= digest realms) this pool serves; at least one */
    public AccountRules(Collection<String> servedDomains) {
        this(servedDomains, DEFAULT_POOL_SITE, Set.of());
    }

    /**
     * @param servedDomains the SIP domains (= digest realms) this pool serves; at least one
     * @param poolSite the central pool's site name (a user may be homed there by name too)
     * @param branchSites the configured branch sites' names
     */
    public AccountRules(Collection<String> servedDomains, String poolSite, Collection<String> branchSites) {
        this.poolSite = poolSite;
        this.branchSites = Collections.unmodifiableSortedSet(new TreeSet<>(branchSites));
        if (servedDomains.isEmpty()) {
            throw new IllegalArgumentException("a pool serves at least one domain");
        }
        TreeSet<String> domains = new TreeSet<>();
        for (String domain : servedDomains) {
            domains.add(domain.strip().toLowerCase(Locale.ROOT));
        }
        this.servedDomains = Collections.unmodifiableSortedSet(domains);
    }

    /** Lower-case, sorted. */
    public Set<String> servedDomains() {
        return servedDomains;
    }

    /**
     * The home site an operator asked for, as stored: {@link Account#POOL_SITE} for none, blank or
     * the pool's own name, the name of a configured branch site, else invalid naming the sites.
     */
    public Validation<String> homeSite(String site) {
        String s = site == null ? "" : site.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals(poolSite)) {
            return Validation.valid(Account.POOL_SITE);
        }
        if (branchSites.contains(s)) {
            return Validation.valid(s);
        }
        List<String> known = new ArrayList<>();
        known.add(poolSite);
        known.addAll(branchSites);
        return Validation.invalid("site " + s + " is not configured (sites: " + String.join(", ", known) + ")");
    }

    /** The name to show for a stored {@link Account#homeSite()}: the pool's own name for the pool. */
    public String siteName(String homeSite) {
        return homeSite == null || homeSite.isEmpty() ? poolSite : homeSite;
    }

    /** Checks and normalises {@code request}; never throws for bad input. */
    public Validation<AccountDraft> validate(NewAccountRequest request) {
        List<String> problems = new ArrayList<>();
        SipAddress address = null;
        Validation<SipAddress> parsed = SipAddress.parse(request.uri());
        if (parsed instanceof Validation.Valid<SipAddress> ok) {
            address = ok.value();
            if (!servedDomains.contains(address.domain())) {
                problems.add("domain " + address.domain() + " is not served by this pool (served: "
                        + String.join(", ", servedDomains) + ")");
            }
        } else {
            problems.add(((Validation.Invalid<SipAddress>) parsed).reason());
        }
        String password = request.password() == null ? "" : request.password();
        checkPassword(password, address, problems);
        String displayName =
                request.displayName() == null ? "" : request.displayName().strip();
        checkDisplayName(displayName, problems);
        String phone = normalisePhone(request.phone(), problems);
        Validation<String> site = homeSite(request.site());
        if (site instanceof Validation.Invalid<String> bad) {
            problems.add(bad.reason());
        }

        if (!problems.isEmpty()) {
            return Validation.invalid(String.join("; ", problems));
        }
        return Validation.valid(
                new AccountDraft(address, password, displayName, phone, ((Validation.Valid<String>) site).value()));
    }

    private static void checkPassword(String password, SipAddress address, List<String> problems) {
        if (password.isEmpty()) {
            problems.add("password is missing");
            return;
        }
        int length = password.codePointCount(0, password.length());
        if (length < MIN_PASSWORD_LENGTH) {
            problems.add("password must have at least " + MIN_PASSWORD_LENGTH + " characters");
        } else if (length > MAX_PASSWORD_LENGTH) {
            problems.add("password must have at most " + MAX_PASSWORD_LENGTH + " characters");
        }
        // Name the offending code point but never echo the password itself.
        password.codePoints()
                .filter(Character::isISOControl)
                .findFirst()
                .ifPresent(
                        cp -> problems.add("password contains a control character (" + SipAddress.describe(cp) + ")"));
        if (!password.equals(password.strip())) {
            problems.add("password starts or ends with white space");
        }
        if (address != null && password.equals(address.user())) {
            problems.add("password must not equal the user name");
        }
    }

    private static void checkDisplayName(String displayName, List<String> problems) {
        if (displayName.codePointCount(0, displayName.length()) > MAX_DISPLAY_NAME_LENGTH) {
            problems.add("display name is longer than " + MAX_DISPLAY_NAME_LENGTH + " characters");
        }
        displayName
                .codePoints()
                .filter(Character::isISOControl)
                .findFirst()
                .ifPresent(cp ->
                        problems.add("display name contains a control character (" + SipAddress.describe(cp) + ")"));
    }

    /** E.164 without the spaces and dashes people write for readability; "" when absent. */
    private static String normalisePhone(String phone, List<String> problems) {
        if (phone == null || phone.isBlank()) {
            return "";
        }
        String compact = PHONE_SEPARATORS.matcher(phone.strip()).replaceAll("");
        if (!E164.matcher(compact).matches()) {
            problems.add(
                    "phone must be E.164, + then 1 to 15 digits not starting with 0 (got \"" + phone.strip() + "\")");
            return "";
        }
        return compact;
    }
}
