package io.switchboard.presence.domain;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A presentity's access levels for its watchers: set per watcher AOR ({@code sip:bob@example.com})
 * or per watcher domain ({@code partner.example}). A watcher gets, in this order: the level set
 * for its AOR, the level set for its domain, then the default: {@link AccessLevel#COLLEAGUES}
 * for watchers of the same enterprise (one of the pool's domains), {@link AccessLevel#EXTERNAL}
 * for everyone else. A user watching themself sees everything.
 */
public record AccessPolicy(Map<String, AccessLevel> byWatcher, Map<String, AccessLevel> byDomain) {

    public static final AccessPolicy DEFAULT = new AccessPolicy(Map.of(), Map.of());

    public AccessPolicy {
        byWatcher = Map.copyOf(byWatcher);
        byDomain = Map.copyOf(byDomain);
    }

    /** The level {@code watcherAor} gets when watching {@code presentityAor}. */
    public AccessLevel levelFor(String presentityAor, String watcherAor, Set<String> enterpriseDomains) {
        String watcher = watcherAor.toLowerCase(Locale.ROOT);
        if (watcher.equals(presentityAor.toLowerCase(Locale.ROOT))) {
            return AccessLevel.FRIENDS_AND_FAMILY;
        }
        AccessLevel set = byWatcher.get(watcher);
        if (set != null) {
            return set;
        }
        String domain = domainOf(watcher);
        set = byDomain.get(domain);
        if (set != null) {
            return set;
        }
        return enterpriseDomains.contains(domain) ? AccessLevel.COLLEAGUES : AccessLevel.EXTERNAL;
    }

    /** True when {@code key} names a domain rather than an AOR (no scheme, no user part). */
    public static boolean isDomainKey(String key) {
        return !key.contains(":") && !key.contains("@");
    }

    public AccessPolicy with(String key, AccessLevel level) {
        String k = key.toLowerCase(Locale.ROOT);
        Map<String, AccessLevel> watchers = new java.util.HashMap<>(byWatcher);
        Map<String, AccessLevel> domains = new java.util.HashMap<>(byDomain);
        Map<String, AccessLevel> target = isDomainKey(k) ? domains : watchers;
        if (level == null) {
            target.remove(k);
        } else {
            target.put(k, level);
        }
        return new AccessPolicy(watchers, domains);
    }

    static String domainOf(String aor) {
        int at = aor.indexOf('@');
        String rest = at < 0 ? aor : aor.substring(at + 1);
        int end = rest.length();
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == ';' || c == ':' || c == '>' || c == '?') {
                end = i;
                break;
            }
        }
        return rest.substring(0, end);
    }
}
