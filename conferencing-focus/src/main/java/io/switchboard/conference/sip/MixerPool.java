package io.switchboard.conference.sip;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mixers ({@code switchboard.conferencing.mcus}) and how many legs this node holds to each:
 * the focus's own count, the only load figure it has without asking the mixers. A new
 * conference goes to the least-loaded one; ties go to the first in the configured order.
 */
public final class MixerPool {

    private final List<String> mixers;
    private final Map<String, AtomicInteger> legs = new ConcurrentHashMap<>();

    public MixerPool(List<String> mixers) {
        this.mixers = List.copyOf(mixers);
        this.mixers.forEach(m -> legs.put(m, new AtomicInteger()));
    }

    public boolean configured() {
        return !mixers.isEmpty();
    }

    public List<String> mixers() {
        return mixers;
    }

    /** The mixer with the fewest legs from this node; empty when none is configured. */
    public Optional<String> leastLoaded() {
        String best = null;
        int fewest = Integer.MAX_VALUE;
        for (String m : mixers) {
            int n = legs(m);
            if (n < fewest) {
                best = m;
                fewest = n;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A leg to {@code mixer} is being set up (also a mixer another node chose, not in our list). */
    public void taken(String mixer) {
        legs.computeIfAbsent(mixer, m -> new AtomicInteger()).incrementAndGet();
    }

    /** A leg to {@code mixer} ended or failed. */
    public void released(String mixer) {
        AtomicInteger n = legs.get(mixer);
        if (n != null) {
            n.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    public int legs(String mixer) {
        AtomicInteger n = legs.get(mixer);
        return n == null ? 0 : n.get();
    }
}
