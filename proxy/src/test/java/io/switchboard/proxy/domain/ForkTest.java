package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.routing.NextHop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fork state machine as a table, from RFC 3261 section 16 (16.2, 16.7, 16.8, 16.10, 9.1) and
 * RFC 5626 section 5.3: a request kind, the events that happen to it in order, and the actions
 * the last event asks for.
 *
 * <p>Kinds: {@code invite}, {@code flow-invite} (an INVITE a Route of ours steered into one of our
 * flows), {@code message}. Events ({@code ;} between them): {@code received}; {@code start a b / f}
 * (ring a and b, forward to f after 20 s without answer; branch names are target labels);
 * {@code a 180}, {@code a 200}, {@code a 486} (a final with a To tag, from the endpoint),
 * {@code a 408-} (no To tag: made on the way); {@code a timeout}, {@code a error} (could not be
 * sent); {@code timerC}, {@code noAnswer}, {@code cancel} (the caller's CANCEL); {@code refuse 404}.
 */
class ForkTest {

    private static final Duration TIMER_C = Duration.ofSeconds(180);
    private static final Duration NO_ANSWER = Duration.ofSeconds(20);

    @ParameterizedTest(name = "[{index}] {0}: {1} -> {2}")
    @CsvSource(delimiterString = "|", textBlock = """
            # 16.2 and 16.8: an INVITE is answered 100 at once and starts Timer C; other methods neither
            invite      | received                                           | trying, timer C 180s
            message     | received                                           |
            # targets: nobody at all is 480; nobody now but a forwarding target rings it at once
            invite      | received; start a b                                | branch a, branch b
            invite      | received; start                                    | answer 480 No reachable contact, stop C
            invite      | received; start / f                                | branch f
            invite      | received; start a / f                              | timer NO_ANSWER 20s, branch a
            # 16.7 step 5: provisional responses go upstream (not 100) until a final one has
            invite      | received; start a b; a 100                         |
            invite      | received; start a b; a 180                         | relay a
            invite      | received; start a b; a 200; b 180                  | cancel b
            message     | received; start a b; a 200; b 180                  |
            # 16.7 step 5: the first 2xx goes upstream at once and the others are cancelled (9.1: once rung)
            invite      | received; start a b; a 180; b 180; a 200           | final a 200, stop C, cancel b
            invite      | received; start a b; a 200                         | final a 200, stop C
            message     | received; start a b; a 200                         | final a 200
            invite      | received; start a b; a 200; b 200                  | stateless b
            message     | received; start a b; a 200; b 200                  |
            # 16.7 step 6: the best final once every branch has one
            invite      | received; start a b; a 486                         |
            invite      | received; start a b; a 486; b 404                  | final b 404, stop C
            invite      | received; start a; a 503                           | answer 500, stop C
            invite      | received; start a; a 503-                          | answer 480 No reachable contact, stop C
            invite      | received; start a b; a 408-; b 486                 | final b 486, stop C
            invite      | received; start a b; a timeout; b timeout          | answer 480 No reachable contact, stop C
            message     | received; start a; a error                         | answer 480 No reachable contact
            # 16.7 step 5: a 6xx ends the fork and cancels the others
            invite      | received; start a b; b 180; a 603                  | cancel b
            invite      | received; start a b; b 180; a 603; b 487           | final a 603, stop C
            # 16.7 step 7: a challenge upstream carries every branch's challenges
            invite      | received; start a b c; a 407; b 401; c 486         | final b 401 +a c, stop C
            # RFC 5626 5.3: a dead flow is 430 when a Route of ours steered the request into it
            flow-invite | received; start a; a 430                           | answer 430 Flow Failed, stop C
            flow-invite | received; start a; a error                         | answer 430 Flow Failed, stop C
            invite      | received; start a; a 430                           | answer 480 No reachable contact, stop C
            invite      | received; start a b; a 430; b 486                  | final b 486, stop C
            # 16.8: Timer C cancels what rang and counts the rest as 408
            invite      | received; start a b; a 180; timerC                 | cancel a, answer 408
            invite      | received; start a b; a 180; timerC; b 180          | cancel b
            invite      | received; start a b; a 486; b 180; timerC          | cancel b, answer 408
            invite      | received; start a / f; a 180; timerC               | stop NO_ANSWER, cancel a, answer 408
            invite      | received; start a; a 200; timerC                   |
            # 16.10: the caller's CANCEL cancels every pending branch; the caller gets 487 at once
            invite      | received; start a b; a 180; cancel                 | cancel a, answer 487, stop C
            invite      | received; start a b; cancel; b 180                 | cancel b
            invite      | received; start a b; a 180; cancel; a 200          | stateless a
            invite      | received; start a; a 486; cancel                   |
            invite      | received; start a / f; cancel                      | stop NO_ANSWER, answer 487, stop C
            invite      | received; start a b; a error; b 180; cancel        | cancel b, answer 487, stop C
            # forwarding on no answer: ringing branches give way, and their answers no longer count
            invite      | received; start a b / f; a 180; noAnswer           | cancel a, branch f
            invite      | received; start a / f; a 180; noAnswer; a 180      |
            invite      | received; start a / f; a 180; noAnswer; a 487; f 486 | final f 486, stop C
            invite      | received; start a / f; a 486                       | stop NO_ANSWER, branch f
            invite      | received; start a / f; a 603                       | stop NO_ANSWER, final a 603, stop C
            invite      | received; start a / f; a 180; noAnswer; a 200      | final a 200, stop C
            invite      | received; start a / f; a 200; noAnswer             |
            # our own answers (no such user, lookup failed), unless the caller has a final already
            invite      | received; refuse 404                               | answer 404, stop C
            message     | received; refuse 503 5                             | answer 503 retry 5
            invite      | received; start a; a 200; refuse 503 5             |
            """)
    void fork(String kind, String events, String expected) {
        Script script = new Script(kind);
        List<String> last = List.of();
        for (String event : events.split(";")) {
            last = script.run(event.trim());
        }
        assertThat(String.join(", ", last)).isEqualTo(expected == null ? "" : expected);
    }

    /**
     * RFC 3263 section 4.3: after the events, may branch a try its next DNS target (after a timeout
     * or a 503 that the driver does not feed to the fork)? Then the events after that and the
     * actions the last asks for: the retried branch has had no provisional response, so a CANCEL
     * waits for one (section 9.1).
     */
    @ParameterizedTest(name = "[{index}] {0}: {1} -> {2}")
    @CsvSource(delimiterString = "|", textBlock = """
            invite  | received; start a b                    | true  |               |
            message | received; start a                      | true  |               |
            invite  | received; start a b; a 180             | true  | cancel        | answer 487, stop C
            invite  | received; start a b; a 180             | true  | cancel; a 180 | cancel a
            invite  | received; start a b; a 200             | false |               |
            message | received; start a b; a 200             | false |               |
            invite  | received; start a b; a 180; cancel     | false |               |
            invite  | received; start a; a 486               | false |               |
            invite  | received; start a / f; a 180; noAnswer | false |               |
            invite  | received; start a; a 180; timerC       | false |               |
            """)
    void fail_over_only_while_the_branch_is_wanted(
            String kind, String events, boolean allowed, String after, String expected) {
        Script script = new Script(kind);
        for (String event : events.split(";")) {
            script.run(event.trim());
        }
        assertThat(script.fork.failOver(0)).isEqualTo(allowed);
        if (after != null) {
            List<String> last = List.of();
            for (String event : after.split(";")) {
                last = script.run(event.trim());
            }
            assertThat(String.join(", ", last)).isEqualTo(expected == null ? "" : expected);
        }
    }

    @Test
    void an_alternate_keeps_the_branch_and_moves_to_the_next_hop() {
        NextHop first = new NextHop("192.0.2.1", 5060, "udp");
        NextHop second = new NextHop("192.0.2.2", 5070, "udp");
        NextHop third = new NextHop("192.0.2.3", 5080, "tcp");
        Target t = new Target(
                "sip:+1555@trunk.test", List.of("sip:trunk.test;lr"), first, "", "out", false, List.of(second, third));
        Target next = t.nextAlternate();
        assertThat(next.hop()).isEqualTo(second);
        assertThat(next.alternates()).containsExactly(third);
        assertThat(next.requestUri()).isEqualTo(t.requestUri());
        assertThat(next.routes()).isEqualTo(t.routes());
        assertThat(next.nextAlternate().hop()).isEqualTo(third);
        assertThat(next.nextAlternate().nextAlternate()).isNull();
    }

    @Test
    void final_sent_tracks_the_callers_final_response() {
        Fork fork = new Fork(true, false, TIMER_C);
        fork.received();
        fork.start(List.of(target("a")), List.of(), null);
        assertThat(fork.finalSent()).isFalse();
        assertThat(fork.branchCount()).isEqualTo(1);
        fork.provisional(0, 180);
        assertThat(fork.finalSent()).isFalse();
        fork.success(0, 200);
        assertThat(fork.finalSent()).isTrue();
        assertThat(fork.start(List.of(target("b")), List.of(), null))
                .as("nothing starts after the final")
                .isEmpty();
    }

    private static Target target(String label) {
        return new Target("sip:" + label + "@192.0.2.1", List.of(), null, "", label, false);
    }

    /** Runs the table's events against one fork and renders the actions. */
    private static final class Script {
        private final Fork fork;
        private final List<String> labels = new ArrayList<>();

        Script(String kind) {
            fork = new Fork(!kind.equals("message"), kind.equals("flow-invite"), TIMER_C);
        }

        List<String> run(String event) {
            List<String> w = Arrays.asList(event.split("\\s+"));
            List<ForkAction> actions = switch (w.get(0)) {
                case "received" -> fork.received();
                case "start" -> start(w.subList(1, w.size()));
                case "timerC" -> fork.timerC();
                case "noAnswer" -> fork.noAnswerTimer();
                case "cancel" -> fork.callerCancel();
                case "refuse" ->
                    fork.refuse(Integer.parseInt(w.get(1)), null, w.size() > 2 ? Integer.parseInt(w.get(2)) : 0);
                default -> branchEvent(labels.indexOf(w.get(0)), w.get(1));
            };
            return actions.stream().map(this::render).collect(Collectors.toList());
        }

        private List<ForkAction> start(List<String> words) {
            int slash = words.indexOf("/");
            List<String> now = slash < 0 ? words : words.subList(0, slash);
            List<String> later = slash < 0 ? List.of() : words.subList(slash + 1, words.size());
            return fork.start(
                    now.stream().map(ForkTest::target).toList(),
                    later.stream().map(ForkTest::target).toList(),
                    NO_ANSWER);
        }

        private List<ForkAction> branchEvent(int branch, String what) {
            if (branch < 0) {
                throw new IllegalArgumentException("no such branch in the script");
            }
            if (what.equals("timeout")) {
                return fork.timeout(branch);
            }
            if (what.equals("error")) {
                return fork.transportError(branch);
            }
            boolean toTagged = !what.endsWith("-");
            int status = Integer.parseInt(toTagged ? what : what.substring(0, what.length() - 1));
            if (status < 200) {
                return fork.provisional(branch, status);
            }
            return status < 300 ? fork.success(branch, status) : fork.failure(branch, status, toTagged);
        }

        private String render(ForkAction action) {
            if (action instanceof ForkAction.StartBranch s) {
                assertThat(s.branch()).as("branches are numbered in order").isEqualTo(labels.size());
                labels.add(s.target().label());
                return "branch " + s.target().label();
            }
            if (action instanceof ForkAction.SendTrying) {
                return "trying";
            }
            if (action instanceof ForkAction.RelayProvisional r) {
                return "relay " + labels.get(r.branch());
            }
            if (action instanceof ForkAction.RelayFinal r) {
                String challenges = r.challengesFrom().stream().map(labels::get).collect(Collectors.joining(" "));
                return "final " + labels.get(r.branch()) + " " + r.status()
                        + (challenges.isEmpty() ? "" : " +" + challenges);
            }
            if (action instanceof ForkAction.Answer a) {
                return "answer " + a.status() + (a.reason() == null ? "" : " " + a.reason())
                        + (a.retryAfter() > 0 ? " retry " + a.retryAfter() : "");
            }
            if (action instanceof ForkAction.SendCancel c) {
                return "cancel " + labels.get(c.branch());
            }
            if (action instanceof ForkAction.ForwardStateless f) {
                return "stateless " + labels.get(f.branch());
            }
            if (action instanceof ForkAction.StartTimer t) {
                return "timer " + t.timer() + " " + t.delay().toSeconds() + "s";
            }
            return "stop " + ((ForkAction.StopTimer) action).timer();
        }
    }
}
