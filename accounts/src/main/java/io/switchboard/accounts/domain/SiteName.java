package io.switchboard.accounts.domain;

import java.util.regex.Pattern;

/**
 * What a site's name may be: it names a Cassandra data center and a keyspace suffix
 * ({@code <keyspace>_site_<name>}), so it is a CQL identifier part: a-z first, then a-z, 0-9 or
 * '_', at most 24 characters (which leaves room for the pool keyspace's name within Cassandra's
 * 48-character limit for keyspace names).
 */
public final class SiteName {

    public static final int MAX_LENGTH = 24;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0," + (MAX_LENGTH - 1) + "}");

    private SiteName() {}

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Said in error messages. */
    public static final String RULE = "a-z first, then a-z, 0-9 or _, at most " + MAX_LENGTH + " characters";
}
