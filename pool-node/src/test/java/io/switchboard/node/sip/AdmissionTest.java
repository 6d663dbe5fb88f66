package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.node.routing.AdmissionRules;
import io.switchboard.node.routing.WorkClass;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
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

    /**
     * Credentials are looked at only for a request that would be shed without them, and then give
     * it the later limits: a node that is not overloaded checks no nonce.
     */
    @Test
    void credentials_are_checked_only_when_they_would_change_the_answer() {
        Admission a = new Admission(Map.of(), AdmissionRules.LoadLimits.of(50, 250, 100));
        AtomicInteger asked = new AtomicInteger();
        BooleanSupplier authentic = () -> asked.incrementAndGet() > 0;
        BooleanSupplier bogus = () -> asked.incrementAndGet() < 0;

        assertThat(a.shedForLoad(WorkClass.REGISTER, new AdmissionRules.Load(10, 10), authentic))
                .isNull();
        assertThat(asked).as("not overloaded: no check").hasValue(0);

        AdmissionRules.Load backlog = new AdmissionRules.Load(100, 10);
        assertThat(a.shedForLoad(WorkClass.REGISTER, backlog, authentic))
                .as("a second leg goes on up to 250 ms")
                .isNull();
        assertThat(a.shedForLoad(WorkClass.REGISTER, backlog, bogus)).isEqualTo("register-queue-wait");
        assertThat(asked).hasValue(2);
        assertThat(a.shedForLoad(WorkClass.REGISTER, new AdmissionRules.Load(300, 10), authentic))
                .isEqualTo("register-queue-wait");
        assertThat(a.shedForLoad(WorkClass.REGISTER, new AdmissionRules.Load(0, 85), authentic))
                .as("85 of 100 transactions: new work stops at 80, second legs at 90")
                .isNull();
        assertThat(a.shedForLoad(WorkClass.REGISTER, new AdmissionRules.Load(0, 85), bogus))
                .isEqualTo("register-transactions");
    }
}
