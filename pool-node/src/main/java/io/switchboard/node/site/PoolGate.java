package io.switchboard.node.site;

import io.switchboard.proxy.sip.OutboundGate;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A branch node's gate to the pool (README, "Sites and branches", WAN failure mode): while the pool does not answer
 * its OPTIONS ({@link OptionsWatcher}), a request the branch would send to the pool is answered at once instead of
 * waiting 32 s for its transaction to time out. A user of our domains the branch does not know (a pool user, or a
 * number) gets 480 Temporarily Unavailable: the callee cannot be reached now, while the branch itself works. A 503
 * would tell the phone its server failed and send it to the next one (RFC 3263 section 4.3), away from the one
 * server that still serves it. Another domain gets 503, as when an outbound proxy cannot be reached, without
 * Retry-After (RFC 3261 section 21.5.4: the client acts as on a 500 for this request only).
 *
 * <p>Both carry {@code Warning: 399 <branch> "..."} (RFC 3261 section 20.43: 399 is the miscellaneous warning, its
 * text meant for the user), which a phone can show as limited functionality.
 */
public final class PoolGate implements OutboundGate {

    /** RFC 3966 visual separators, dropped before an emergency number is compared. */
    private static final java.util.regex.Pattern SEPARATORS = java.util.regex.Pattern.compile("[.()\\-]");

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("\\+?[0-9*#][0-9*#.()-]*");

    private final BooleanSupplier poolReachable;
    private final String warning;
    private final Optional<String> trunk;
    private final java.util.Set<String> emergencyNumbers;
    private final PoolAddresses pool;

    /** @param agent the branch node's host:port, the Warning's warn-agent */
    public PoolGate(BooleanSupplier poolReachable, String agent, String site) {
        this(poolReachable, agent, site, Optional.empty(), java.util.Set.of());
    }

    /**
     * @param trunk            the branch's own trunk ({@code switchboard.branch.trunk-uri}), for numbers while the
     *                         pool is down
     * @param emergencyNumbers numbers that always go to {@code trunk} ({@code switchboard.branch.emergency-numbers})
     */
    public PoolGate(
            BooleanSupplier poolReachable,
            String agent,
            String site,
            Optional<String> trunk,
            java.util.Set<String> emergencyNumbers) {
        this(poolReachable, agent, site, trunk, emergencyNumbers, null);
    }

    /** @param pool which next hops are the pool, for requests inside dialogs ({@link #inDialogRefusal}); null: none */
    public PoolGate(
            BooleanSupplier poolReachable,
            String agent,
            String site,
            Optional<String> trunk,
            java.util.Set<String> emergencyNumbers,
            PoolAddresses pool) {
        this.pool = pool;
        this.poolReachable = poolReachable;
        this.warning = warning(agent, site, trunk.isPresent());
        this.trunk = trunk;
        this.emergencyNumbers = java.util.Set.copyOf(emergencyNumbers);
    }

    /**
     * An emergency number always goes to the branch's trunk: the call must leave from the branch's own PSTN line,
     * where the caller is, and must not depend on the WAN. Any other number (a {@code tel:} URI, {@code user=phone},
     * or a user part of digits with an optional leading +, RFC 3966 visual separators allowed) goes there while the
     * pool does not answer, as a Survivable Branch Appliance's gateway takes the branch's PSTN calls.
     */
    @Override
    public Optional<String> divertTo(String requestUri, boolean toOurUser) {
        if (trunk.isEmpty() || !isNumber(requestUri)) {
            return Optional.empty();
        }
        if (isEmergency(requestUri) || !poolReachable.getAsBoolean()) {
            return trunk;
        }
        return Optional.empty();
    }

    /** The dialed digits of a number URI, visual separators and a leading + dropped, equal to an emergency number. */
    boolean isEmergency(String uri) {
        if (emergencyNumbers.isEmpty()) {
            return false;
        }
        String u = uri.trim();
        int colon = u.indexOf(':');
        String number = u.substring(colon + 1);
        int end = number.length();
        for (char c : new char[] {'@', ';', '?'}) {
            int i = number.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String digits = SEPARATORS.matcher(number.substring(0, end)).replaceAll("");
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        }
        return emergencyNumbers.contains(digits);
    }

    static boolean isNumber(String uri) {
        String u = uri.trim();
        String lower = u.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("tel:")) {
            return true;
        }
        if (!lower.startsWith("sip:") && !lower.startsWith("sips:")) {
            return false;
        }
        if (lower.contains(";user=phone")) {
            return true;
        }
        int at = u.indexOf('@');
        if (at < 0) {
            return false;
        }
        String user = u.substring(u.indexOf(':') + 1, at);
        int semi = user.indexOf(';');
        return NUMBER.matcher(semi < 0 ? user : user.substring(0, semi)).matches();
    }

    /** The Warning header value (quotes and backslashes cannot occur: site names are a-z, 0-9, _). */
    static String warning(String agent, String site, boolean trunk) {
        return "399 " + agent + " \"Limited functionality: branch " + site + " cannot reach the pool; only calls within"
                + " the branch" + (trunk ? " and to phone numbers" : "") + " work\"";
    }

    /**
     * The Warning for a branch user's REGISTER 200 while the pool does not answer: registered, with limited
     * functionality (the state Skype for Business clients show when registered at a Survivable Branch Appliance in
     * resiliency mode); empty while the pool answers.
     */
    public Optional<String> limitedFunctionality() {
        return poolReachable.getAsBoolean() ? Optional.empty() : Optional.of(warning);
    }

    /**
     * How long a phone refused a pool service (presence) during an outage should wait before it tries again: the
     * branch goes back to normal mode no sooner than the fail-back hold-down (30 s by default) after the pool answers
     * again, and an outage's length is unknown; one try a minute per phone is what it is worth.
     */
    static final int SERVICE_RETRY_AFTER_SECONDS = 60;

    /**
     * Presence (SUBSCRIBE and PUBLISH, every package and resource list) is served by the pool for every user, branch
     * users included (README, "Sites and branches"): while the pool does not answer, 480 with Retry-After and the
     * Warning. Not 503, for PUBLISH either: a phone takes a 503 as its server failing and tries the next one (RFC
     * 3263 section 4.3), the pool it cannot reach, and with Retry-After may take the whole server to be down for that
     * long (RFC 3261 section 21.5.4), its REGISTER refreshes and calls included, which the branch still serves. 480
     * says the request cannot succeed now, and its Retry-After when to try again (RFC 3261 section 20.33).
     */
    @Override
    public Optional<Refusal> serviceRefusal() {
        if (poolReachable.getAsBoolean()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(
                480,
                "Temporarily Unavailable (served by the pool, which is unreachable)",
                warning,
                SERVICE_RETRY_AFTER_SECONDS));
    }

    /**
     * A request inside a dialog whose next hop is the pool (a BYE, re-INVITE, INFO, REFER or NOTIFY of a branch user
     * in a call with a pool user, a refresh of her presence subscription), while the pool does not answer: {@code 408
     * Request Timeout} with the Warning, at once. The next hop is the pool when it is a Route signed for this dialog
     * with the pool secret (a pool node's Record-Route: beyond a branch node, only the pool's nodes record-route a
     * dialog with that secret) or an address of the pool ({@link PoolAddresses}: the presence server's Contact).
     *
     * <p>Why 408: it is what this proxy answers anyway once its transaction towards the silent pool times out (RFC
     * 3261 section 16.7 step 6: no final response, 408), only 32 s later; answering at once changes when, not what.
     * And 408 tells the phone what it must know: the far end of this dialog cannot be reached, so the phone ends the
     * dialog (section 12.2.1.2: on a 408 inside a dialog the UAC SHOULD terminate it; section 14.1 for a re-INVITE),
     * i.e. clears a call whose other party is beyond the cut WAN, and a watcher starts a new subscription, which
     * gets the presence answer of an outage (480 with Retry-After, {@link #serviceRefusal}). For a BYE the phone
     * has already ended the session when it sent it (section 15.1.1); the answer at once only ends its transaction.
     * Not 480 or 503, which speak of the callee or of this server (RFC 3263 section 4.3: the phone would try
     * another server for its whole registration); no Retry-After, which 408 does not take.
     */
    @Override
    public Optional<Refusal> inDialogRefusal(javax.sip.address.SipURI nextHop, BooleanSupplier signedForDialog) {
        if (pool == null || poolReachable.getAsBoolean()) {
            return Optional.empty();
        }
        boolean secure = nextHop.isSecure() || "tls".equalsIgnoreCase(nextHop.getTransportParam());
        if (!pool.isPool(nextHop.getHost(), nextHop.getPort(), secure) && !signedForDialog.getAsBoolean()) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(408, "Request Timeout (pool unreachable)", warning));
    }

    @Override
    public Optional<Refusal> refusal(boolean toOurUser) {
        if (poolReachable.getAsBoolean()) {
            return Optional.empty();
        }
        return Optional.of(
                toOurUser
                        ? new Refusal(480, "Temporarily Unavailable (pool unreachable)", warning)
                        : new Refusal(503, "Pool unreachable", warning));
    }
}
