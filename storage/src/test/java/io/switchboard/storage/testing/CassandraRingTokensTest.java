package io.switchboard.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** The ring's founding tokens split the Murmur3 range into equal shares, starting at its minimum. */
class CassandraRingTokensTest {

    @Test
    void threeNodesGetEvenlySpreadTokens() {
        assertThat(CassandraRing.token(0, 3)).isEqualTo("-9223372036854775808");
        assertThat(CassandraRing.token(1, 3)).isEqualTo("-3074457345618258603");
        assertThat(CassandraRing.token(2, 3)).isEqualTo("3074457345618258602");
    }

    @Test
    void everyTokenIsInsideTheMurmur3Range() {
        for (int size = 1; size <= 9; size++) {
            for (int i = 0; i < size; i++) {
                BigInteger token = new BigInteger(CassandraRing.token(i, size));
                assertThat(token).isBetween(BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE));
            }
        }
    }
}
