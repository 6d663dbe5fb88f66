package io.switchboard.accounts.store;

import java.nio.charset.StandardCharsets;

/**
 * Which partition of its domain a user's row lives in.
 *
 * <p>This is persisted key material: rows written with one function are only found again with
 * the same function, so it is spelt out here (32-bit FNV-1a over the UTF-8 bytes of the user
 * part, unsigned, modulo {@link #COUNT}) instead of borrowing a library hash whose definition we
 * do not control. Changing either needs a data migration.
 */
final class UserBuckets {

    static final int COUNT = 16;

    private static final int FNV_OFFSET_BASIS = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private UserBuckets() {}

    static int of(String user) {
        int hash = FNV_OFFSET_BASIS;
        for (byte b : user.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        return Integer.remainderUnsigned(hash, COUNT);
    }
}
