package io.switchboard.sip.dns;

import io.switchboard.sip.dns.DnsRecords.Srv;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * The order in which SRV targets are tried (RFC 2782, "Usage rules"): lowest priority first;
 * within one priority, a weighted random order. Pure: the random draw is passed in, so tests can
 * script it.
 */
public final class SrvOrder {

    private SrvOrder() {}

    /**
     * Orders {@code records}.
     *
     * @param draw given the running sum S of the remaining weights, returns a number in [0, S]
     *     (uniformly at random in production)
     */
    public static List<Srv> order(List<Srv> records, IntUnaryOperator draw) {
        List<Srv> out = new ArrayList<>(records.size());
        if (records.size() == 1 && records.get(0).target().equals(".")) {
            return out; // RFC 2782: "." means the service is decidedly not available
        }
        TreeMap<Integer, List<Srv>> byPriority = new TreeMap<>();
        for (Srv r : records) {
            if (!r.target().equals(".")) {
                byPriority.computeIfAbsent(r.priority(), p -> new ArrayList<>()).add(r);
            }
        }
        for (List<Srv> group : byPriority.values()) {
            // RFC 2782: "arrange all SRV RRs (that have not been ordered yet) in any order, except
            // that all those with weight 0 are placed at the beginning of the list"; a stable sort
            // keeps the rest as the server sent them.
            List<Srv> remaining = new ArrayList<>(group);
            remaining.sort(Comparator.comparingInt(r -> r.weight() == 0 ? 0 : 1));
            while (!remaining.isEmpty()) {
                int sum = 0;
                for (Srv r : remaining) {
                    sum += r.weight();
                }
                int pick = Math.max(0, Math.min(sum, draw.applyAsInt(sum)));
                int running = 0;
                int chosen = remaining.size() - 1;
                for (int i = 0; i < remaining.size(); i++) {
                    running += remaining.get(i).weight();
                    // "select the RR whose running sum value is the first in the selected order
                    // which is greater than or equal to the random number selected"
                    if (running >= pick) {
                        chosen = i;
                        break;
                    }
                }
                out.add(remaining.remove(chosen));
            }
        }
        return out;
    }
}
