package io.switchboard.conference.sip;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mixers ({@code switchboard.conferencing.mcus}), whether each is up as this node last saw it
 * ({@link MixerWatch}), and how many legs this node holds to each: the focus's own count, the only
 * load figure it has without asking the mixers. A new conference goes to the least-loaded mixer
 * that is up; ties go to the first in the configured order. A down mixer is never offered.
 */
public final class MixerPool {

    private final List<String> mixers;
    private final Map<String, AtomicInteger> legs = new ConcurrentHashMap<>();
    /** Configured mixers seen down by the last check (see MixerHealth). */
    private final Set<String> down = ConcurrentHashMap.newKeySet();

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

    /** The mixer that is up with the fewest legs from this node; empty when none is configured or up. */
    public Optional<String> leastLoaded() {
        String best = null;
        int fewest = Integer.MAX_VALUE;
        for (String m : mixers) {
            if (down.contains(m)) {
                continue;
            }
            int n = legs(m);
            if (n < fewest) {
                best = m;
                fewest = n;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Records what the last check said of {@code mixer}; true when that changed its state. */
    public boolean setUp(String mixer, boolean up) {
        return up ? down.remove(mixer) : down.add(mixer);
    }

    /**
     * True unless the last check saw {@code mixer} down; a mixer another node chose that is not in
     * our list is not watched here and counts as up (its own watchers move its conferences).
     */
    public boolean isUp(String mixer) {
        return mixer != null && !down.contains(mixer);
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
