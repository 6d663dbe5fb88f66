package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pool's schema scripts change only together with a version bump. */
class PoolSchemaTest {

    /**
     * Each schema version's script digest (PoolSchema.schema().digest()). When you change a schema
     * script: bump PoolSchema.VERSION and add a line for it here, with the digest this test prints.
     * Never edit an existing line: a node of that version may have applied it somewhere.
     */
    private static final Map<Integer, String> DIGESTS = Map.of(
            1, "1595ef6e36d24977a41de71a4cfa86583a8bcfa9ac0cd4d9a0ea3909685c8b3c",
            2, "65ee6b58f0bd72939d2697e0e892c06e8430c97e4a9fbb92db680f764a3e4606",
            3, "be2abbc85d079aa1ca3938ef41ca80c53f5ceb0a74967fe631d9a991e30e809e",
            4, "693cb642abbccd5ecca1ed74c1900d525a22ea78a392ec71113ec0195cbdcc34",
            5, "1c610e843b99573687c620545dff68751c1184b209e7f8330d0fbcd3f0d8e67c",
            6, "33c6119a7ba5cbe3207b68bc9bb0134a311db7a03ace4cb73bd04d0fe8141734");

    @Test
    void theScriptsMatchThePinnedDigestOfTheirVersion() {
        String digest = PoolSchema.schema().digest();
        assertThat(PoolSchema.VERSION)
                .as("PoolSchema.VERSION is the newest pinned version; pin its digest %s in DIGESTS", digest)
                .isEqualTo(Collections.max(DIGESTS.keySet()));
        assertThat(digest)
                .as(
                        "the schema scripts changed: bump PoolSchema.VERSION to %d and pin digest %s for it in DIGESTS"
                                + " (and keep the change idempotent and additive, PoolSchema's comment)",
                        PoolSchema.VERSION + 1, digest)
                .isEqualTo(DIGESTS.get(PoolSchema.VERSION));
    }

    @Test
    void everyPinnedVersionHasItsOwnDigest() {
        assertThat(DIGESTS.values()).doesNotHaveDuplicates();
    }

    @Test
    void everyModulesScriptIsInTheSchema() {
        assertThat(PoolSchema.schema().scripts())
                .extracting(s -> s.name())
                .hasSize(14)
                .doesNotHaveDuplicates()
                .allMatch(name -> name.endsWith(".cql"));
        // idempotent: a new table, or (version 4's home_site, version 5's park takeover) columns added to one
        assertThat(PoolSchema.schema().scripts())
                .allMatch(s -> s.cql().contains("CREATE TABLE IF NOT EXISTS")
                        || s.cql().contains("ADD IF NOT EXISTS"));
    }

    /** The address book's own schema (PoolSchema.addressBook()): pinned the same way. */
    private static final Map<Integer, String> ADDRESS_BOOK_DIGESTS =
            Map.of(1, "20bfded05684de111fc1cac76332d4f54535a320310321a20118d67ee560f708");

    @Test
    void theAddressBookScriptsMatchThePinnedDigestOfTheirVersion() {
        String digest = PoolSchema.addressBook().digest();
        assertThat(digest)
                .as(
                        "the address book's schema scripts changed: bump PoolSchema.ADDRESS_BOOK_VERSION to %d and"
                                + " pin digest %s for it in ADDRESS_BOOK_DIGESTS",
                        PoolSchema.ADDRESS_BOOK_VERSION + 1, digest)
                .isEqualTo(ADDRESS_BOOK_DIGESTS.get(PoolSchema.ADDRESS_BOOK_VERSION));
    }
}
