package io.switchboard.conference.sip;

import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Joiner;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which requests are the focus's, and who a joiner is. Pure, so every case has a row in
 * FocusRoutingTest.
 *
 * <p>Joiners follow the README's trust model ("Who is trusted for what"): our users proved their
 * password on this INVITE; a user of a federated domain is believed only when the request came
 * from that domain's configured addresses; anyone else is anonymous, whatever their From says, and
 * only an {@code open} conference takes them (JoinRules).
 */
public final class FocusRouting {

    private FocusRouting() {}

    /**
     * The conference a Request-URI names: {@code sip:conf-<id>@<one of our domains>} (parameters
     * such as {@code isfocus} ignored, RFC 3261 section 19.1.4 compares without them).
     */
    public static Optional<String> conferenceOf(String requestUri, Set<String> domains) {
        Optional<String> id = ConferenceIds.idOf(requestUri);
        if (id.isEmpty()) {
            return id;
        }
        String host = requestUri.substring(requestUri.lastIndexOf('@') + 1);
        int end = 0;
        while (end < host.length() && ";:?>".indexOf(host.charAt(end)) < 0) {
            end++;
        }
        return domains.contains(host.substring(0, end).toLowerCase(Locale.ROOT)) ? id : Optional.empty();
    }

    /**
     * The domain of a conference factory URI (RFC 4579 section 5.4): {@code
     * sip:<factoryUser>@<one of our domains>}, user part compared exactly (RFC 3261 section
     * 19.1.4), host without case, parameters ignored; empty for anything else or when there is no
     * factory ({@code factoryUser} null or empty).
     */
    public static Optional<String> factoryOf(String requestUri, String factoryUser, Set<String> domains) {
        if (factoryUser == null || factoryUser.isEmpty()) {
            return Optional.empty();
        }
        String prefix = requestUri.startsWith("sips:") ? "sips:" : "sip:";
        if (!requestUri.startsWith(prefix + factoryUser + "@")) {
            return Optional.empty();
        }
        String host = requestUri.substring(prefix.length() + factoryUser.length() + 1);
        int end = 0;
        while (end < host.length() && ";:?>".indexOf(host.charAt(end)) < 0) {
            end++;
        }
        String domain = host.substring(0, end).toLowerCase(Locale.ROOT);
        return domains.contains(domain) ? Optional.of(domain) : Optional.empty();
    }

    /**
     * The numeric id a desk phone dialed (README, "Conferencing focus", dial-in): {@code
     * sip:<7 digits>@<one of our domains>} or the same with {@code user=phone}, the digits as
     * {@link ConferenceIds#validNumericId} has them; empty for anything else. Whether a live
     * conference holds the number is the store's to say.
     */
    public static Optional<String> numberOf(String requestUri, Set<String> domains) {
        String prefix = requestUri.startsWith("sips:") ? "sips:" : requestUri.startsWith("sip:") ? "sip:" : null;
        int at = requestUri.indexOf('@');
        if (prefix == null || at < 0) {
            return Optional.empty();
        }
        String user = requestUri.substring(prefix.length(), at);
        if (!ConferenceIds.validNumericId(user)) {
            return Optional.empty();
        }
        String host = requestUri.substring(at + 1);
        int end = 0;
        while (end < host.length() && ";:?>".indexOf(host.charAt(end)) < 0) {
            end++;
        }
        return domains.contains(host.substring(0, end).toLowerCase(Locale.ROOT)) ? Optional.of(user) : Optional.empty();
    }

    /**
     * @param authenticated the user who proved their password on this request, or null
     * @param from          the From URI (without parameters)
     * @param federated     whether the From's domain is federated and the request came from its addresses
     */
    public static Joiner joiner(String authenticated, String from, boolean federated) {
        if (authenticated != null) {
            return Joiner.ourUser(authenticated);
        }
        return federated ? Joiner.federated(from) : Joiner.anonymous(from);
    }
}
