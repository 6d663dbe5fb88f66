package io.switchboard.entity.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class WriteStampTest {

    @Test
    void every_stamp_of_a_later_epoch_is_above_every_stamp_of_an_earlier_one() {
        for (long epoch : new long[] {1, 2, 1_000, 1L << 30}) {
            long lastOfEarlier = WriteStamp.first(epoch) + (1L << WriteStamp.SEQUENCE_BITS) - 2;
            assertThat(WriteStamp.lastOfEpoch(lastOfEarlier + 1)).isTrue();
            assertThat(WriteStamp.lastOfEpoch(lastOfEarlier)).isFalse();
            assertThat(WriteStamp.first(epoch + 1)).isGreaterThan(lastOfEarlier + 1);
        }
    }

    @Test
    void fenced_stamps_win_over_wall_clock_timestamps_written_before_fencing() {
        long microsIn2100 = Instant.parse("2100-01-01T00:00:00Z").toEpochMilli() * 1000;
        assertThat(WriteStamp.first(1)).isGreaterThan(microsIn2100);
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        assertThat(WriteStamp.first(1)).isGreaterThan(nowMicros);
    }

    @Test
    void epochs_outside_the_range_that_fits_are_refused() {
        assertThatThrownBy(() -> WriteStamp.first(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WriteStamp.first(WriteStamp.MAX_EPOCH)).isInstanceOf(IllegalArgumentException.class);
        assertThat(WriteStamp.first(WriteStamp.MAX_EPOCH - 1)).isPositive();
    }

    @Test
    void the_stamp_is_the_statements_write_timestamp_and_unfenced_leaves_it_unset() {
        SimpleStatement statement = SimpleStatement.newInstance("UPDATE t SET v = 1 WHERE k = 0");
        assertThat(new WriteStamp(42).on(statement).getQueryTimestamp()).isEqualTo(42);
        assertThat(WriteStamp.UNFENCED.on(statement).getQueryTimestamp()).isEqualTo(statement.getQueryTimestamp());
    }
}
