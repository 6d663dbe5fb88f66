package io.switchboard.accounts.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserBucketsTest {

    /**
     * Pinned: rows already stored are found only while these hold. The first three are FNV-1a
     * 32-bit test vectors ("" = 0x811c9dc5, "a" = 0xe40c292c, "foobar" = 0xbf9cf968) mod 16.
     */
    @ParameterizedTest
    @CsvSource({"'',5", "a,12", "foobar,8", "alice,7", "Alice,7", "+4930123,14"})
    void isStable(String user, int bucket) {
        assertThat(UserBuckets.of(user)).isEqualTo(bucket);
    }

    @Test
    void spreadsUsersOverEveryBucket() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int bucket = UserBuckets.of("user" + i);
            assertThat(bucket).isBetween(0, UserBuckets.COUNT - 1);
            seen.add(bucket);
        }
        assertThat(seen).hasSize(UserBuckets.COUNT);
    }
}
