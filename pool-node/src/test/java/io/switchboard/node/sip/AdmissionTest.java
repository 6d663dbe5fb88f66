package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.node.routing.WorkClass;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    @Test
    void each_class_has_its_own_bound_and_a_place_is_freed_once_however_often_released() {
        Admission a = new Admission(Map.of(WorkClass.INVITE, 2, WorkClass.PUBLISH, 1));
        Admission.Ticket first = a.tryAcquire(WorkClass.INVITE);
        Admission.Ticket second = a.tryAcquire(WorkClass.INVITE);
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(a.tryAcquire(WorkClass.INVITE))
                .as("third call beyond the bound of 2")
                .isNull();
        assertThat(a.tryAcquire(WorkClass.PUBLISH))
                .as("another class is not affected")
                .isNotNull();
        assertThat(a.tryAcquire(WorkClass.MESSAGE)).as("no bound configured: 0").isNotNull();

        first.release();
        first.release(); // a late callback and the transaction's end both release: counted once
        assertThat(a.inFlight(WorkClass.INVITE)).isEqualTo(1);
        assertThat(a.tryAcquire(WorkClass.INVITE)).isNotNull();
        assertThat(a.tryAcquire(WorkClass.INVITE)).isNull();
    }

    @Test
    void a_negative_bound_is_refused() {
        assertThatThrownBy(() -> new Admission(Map.of(WorkClass.SUBSCRIBE, -1)))
                .hasMessageContaining("subscribes-in-flight");
    }
}
