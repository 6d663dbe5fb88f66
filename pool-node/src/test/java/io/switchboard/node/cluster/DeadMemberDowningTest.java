package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The keep-majority guard of {@link DeadMemberDowning}: who may down a member whose port refuses. */
class DeadMemberDowningTest {

    static Address node(int n) {
        return new Address("pekko", PekkoSettings.SYSTEM_NAME, "127.0.0." + (20 + n), 2552);
    }

    static Set<Address> nodes(String list) {
        if (list.isBlank()) {
            return Set.of();
        }
        return java.util.Arrays.stream(list.trim().split(" "))
                .map(s -> node(Integer.parseInt(s)))
                .collect(java.util.stream.Collectors.toSet());
    }

    @ParameterizedTest(name = "members [{0}], unreachable [{1}]: {2} downs {3}? {4}")
    @CsvSource({
        // members | unreachable | self | dead | may down
        "1 2 3,     '',     1, 2, true", // a crash in a pool of 3: the two survivors are a majority
        "1 2 3,     2,      3, 2, true", // the failure detector has noticed it too
        "1 2 3,     3,      1, 2, false", // only 1 of 3 left reachable: a minority waits for the resolver
        "1 2 3,     2 3,    1, 2, false", // a partition with 1 alone: never down the others from there
        "1 2,       '',     2, 1, false", // 1 of 2 without the lowest address: keep-majority would not keep it
        "1 2,       '',     1, 2, true", // 1 of 2 with the lowest address: keep-majority keeps this half
        "1 2 3 4,   '',     2, 1, true", // 3 of 4 reached besides the dead one
        "1 2 3 4,   4,      2, 1, false", // 2 of 4 without the lowest address: the other half may hold it
        "1 2 3 4,   4,      1, 2, true", // 2 of 4 with the lowest address (keep-majority's tie rule)
        "1 2 3,     '',     2, 2, false", // never itself
        "1 2 3,     '',     1, 4, false", // not a member
        "1,         '',     1, 1, false", // alone
    })
    void a_node_downs_a_dead_member_only_from_a_majority(
            String members, String unreachable, int self, int dead, boolean expected) {
        assertThat(DeadMemberDowning.mayDown(nodes(members), nodes(unreachable), node(self), node(dead)))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "members [{0}], unreachable [{1}]: {2} in the majority? {3}")
    @CsvSource({
        // members | unreachable | self | serves
        "1 2 3,     '',     2, true",
        "1 2 3,     3,      1, true", // one peer lost: 2 of 3
        "1 2 3,     2 3,    1, false", // cut off alone: stop acknowledging writes
        "1 2 3,     1,      1, false", // others see it unreachable (it is in the set of unreachable)
        "1 2,       2,      1, true", // half, with the lowest address
        "1 2,       1,      2, false", // half, without it
        "1,         '',     1, true", // a pool of one
        "1 2 3,     '',     4, false", // not (yet, or no longer) a counted member
    })
    void a_node_serves_only_in_the_part_keep_majority_keeps(
            String members, String unreachable, int self, boolean expected) {
        assertThat(DeadMemberDowning.inMajority(nodes(members), nodes(unreachable), node(self)))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} counted: {1}")
    @CsvSource({"up, true", "leaving, true", "exiting, true", "joining, false", "down, false", "removed, false"})
    void keep_majority_counts_up_leaving_and_exiting_members(String status, boolean expected) {
        MemberStatus s = switch (status) {
            case "up" -> MemberStatus.up();
            case "leaving" -> MemberStatus.leaving();
            case "exiting" -> MemberStatus.exiting();
            case "joining" -> MemberStatus.joining();
            case "down" -> MemberStatus.down();
            default -> MemberStatus.removed();
        };
        assertThat(DeadMemberDowning.counted(s)).isEqualTo(expected);
    }
}
