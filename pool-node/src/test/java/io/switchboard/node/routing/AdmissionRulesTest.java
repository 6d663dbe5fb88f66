package io.switchboard.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionRulesTest {

    @ParameterizedTest(name = "{0} with To tag {1}: {2}")
    @CsvSource({
        // new work: bounded
        "REGISTER,  false, REGISTER",
        "PUBLISH,   false, PUBLISH",
        "PUBLISH,   true,  PUBLISH", // no dialog; a To tag does not make it one
        "INVITE,    false, INVITE",
        "MESSAGE,   false, MESSAGE",
        "SUBSCRIBE, false, SUBSCRIBE",
        // in a dialog or part of a transaction already taken: never shed
        "INVITE,    true,  ", // re-INVITE
        "MESSAGE,   true,  ",
        "SUBSCRIBE, true,  ", // refresh or unsubscribe (RFC 6665 section 4.1.2.2)
        "ACK,       false, ",
        "ACK,       true,  ",
        "CANCEL,    false, ",
        "BYE,       true,  ",
        "NOTIFY,    true,  ",
        "PRACK,     true,  ",
        "UPDATE,    true,  ",
        "INFO,      true,  ",
        "REFER,     true,  ",
        "OPTIONS,   false, ",
    })
    void what_counts_against_which_bound(String method, boolean toTag, WorkClass expected) {
        assertThat(AdmissionRules.classOf(method, toTag)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}: {1} in flight, bound {2}: {3}")
    @CsvSource({
        "INVITE,    0,    1,    admit",
        "INVITE,    1,    1,    invite-in-flight",
        "INVITE,    5,    1,    invite-in-flight", // a bound lowered at runtime: still shed
        "MESSAGE,   999,  1000, admit",
        "MESSAGE,   1000, 1000, message-in-flight",
        "SUBSCRIBE, 2,    2,    subscribe-in-flight",
        "PUBLISH,   2,    2,    publish-in-flight",
        "REGISTER,  1000, 1000, register-in-flight",
        "REGISTER,  50000, 0,   admit", // 0: no bound
    })
    void shed_at_the_bound_and_only_there(WorkClass c, int inFlight, int bound, String expected) {
        AdmissionRules.Verdict v = AdmissionRules.decide(c, inFlight, bound);
        if (expected.equals("admit")) {
            assertThat(v).isEqualTo(new AdmissionRules.Admit(c));
        } else {
            assertThat(v).isEqualTo(new AdmissionRules.Shed(c, expected));
        }
    }

    @ParameterizedTest
    @CsvSource({"ACK", "BYE", "CANCEL"})
    void requests_of_no_class_are_taken_whatever_the_load(String method) {
        assertThat(AdmissionRules.decide(AdmissionRules.classOf(method, false), Integer.MAX_VALUE, 1))
                .isInstanceOf(AdmissionRules.Untracked.class);
    }

    static final AdmissionRules.LoadLimits LIMITS = AdmissionRules.LoadLimits.of(50, 250, 1000);

    @ParameterizedTest(name = "{0}: standing {1} ms, {2} transactions, credentials {3}: {4}")
    @CsvSource({
        // a queue that drains, a table with room: taken
        "REGISTER,  0,   0,    false, admit",
        "REGISTER,  49,  799,  false, admit",
        // new work without credentials goes first
        "REGISTER,  50,  0,    false, register-queue-wait",
        "INVITE,    50,  0,    false, invite-queue-wait",
        "REGISTER,  0,   800,  false, register-transactions",
        "SUBSCRIBE, 0,   800,  false, subscribe-transactions",
        // the second leg of a challenged flow goes on, up to its own limits
        "REGISTER,  249, 899,  true,  admit",
        "REGISTER,  250, 0,    true,  register-queue-wait",
        "MESSAGE,   0,   900,  true,  message-transactions",
        // the queue's wait decides first
        "PUBLISH,   300, 950,  true,  publish-queue-wait",
    })
    void load_sheds_new_work_without_credentials_first(
            WorkClass c, long standing, int transactions, boolean credentials, String expected) {
        AdmissionRules.Verdict v =
                AdmissionRules.decide(c, new AdmissionRules.Load(standing, transactions), credentials, LIMITS);
        if (expected.equals("admit")) {
            assertThat(v).isEqualTo(new AdmissionRules.Admit(c));
        } else {
            assertThat(v).isEqualTo(new AdmissionRules.Shed(c, expected));
        }
    }

    @org.junit.jupiter.api.Test
    void load_limits_of_zero_are_off_and_requests_of_no_class_always_pass() {
        AdmissionRules.Load swamped = new AdmissionRules.Load(10_000, Integer.MAX_VALUE);
        assertThat(AdmissionRules.decide(WorkClass.REGISTER, swamped, false, AdmissionRules.LoadLimits.OFF))
                .isEqualTo(new AdmissionRules.Admit(WorkClass.REGISTER));
        assertThat(AdmissionRules.decide(AdmissionRules.classOf("BYE", true), swamped, false, LIMITS))
                .isInstanceOf(AdmissionRules.Untracked.class);
    }

    /**
     * A heap that stays full after collections sheds a share of new work growing from the first
     * mark (70 here) to all of it at the second (80), where work with credentials is shed too.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} at {1}% after GC, draw {2}, credentials {3}: {4}")
    @org.junit.jupiter.params.provider.CsvSource({
        "REGISTER, 69, 0.0,   false, admit",
        "REGISTER, 70, 0.0,   false, register-heap",
        "REGISTER, 70, 0.1,   false, admit", //      1/11 of new work shed at the mark
        "REGISTER, 75, 0.5,   false, register-heap", // 6/11
        "REGISTER, 75, 0.6,   false, admit",
        "REGISTER, 80, 0.999, false, register-heap", // all of it
        "MESSAGE,  79, 0.0,   true,  admit",
        "MESSAGE,  80, 0.999, true,  message-heap",
        "INVITE,   0,  0.0,   false, admit",
    })
    void a_full_heap_sheds_a_growing_share_of_new_work(
            WorkClass c, int heapPercent, double draw, boolean credentials, String expected) {
        AdmissionRules.LoadLimits limits = LIMITS.withHeap(70, 80);
        AdmissionRules.Verdict v =
                AdmissionRules.decide(c, new AdmissionRules.Load(0, 0, heapPercent, draw), credentials, limits);
        if (expected.equals("admit")) {
            assertThat(v).isEqualTo(new AdmissionRules.Admit(c));
        } else {
            assertThat(v).isEqualTo(new AdmissionRules.Shed(c, expected));
        }
        assertThat(AdmissionRules.decide(c, new AdmissionRules.Load(0, 0, 100, 0), credentials, LIMITS))
                .as("heap limits off")
                .isEqualTo(new AdmissionRules.Admit(c));
    }
}
