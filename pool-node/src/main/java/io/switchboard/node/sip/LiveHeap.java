package io.switchboard.node.sip;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * How full the heap is right after the JVM's last garbage collection, in percent of its maximum:
 * what the node's live data (bindings, dialogs, answered transactions kept 32 s to absorb
 * retransmissions) takes, for the edge's admission (issue 17, item 3; {@code AdmissionRules}).
 * Measured: offered twice what it carries in MESSAGEs, a node's answered transactions filled its
 * 2 GB heap to 94% after collections and G1 fell back to full collections of 1.3 s each, during
 * which its UDP socket dropped 100,000 datagrams (bench/RESULTS.md, "Overload"). A transaction count
 * does not see that coming: a MESSAGE's transactions hold several times a REGISTER's bytes.
 *
 * <p>Read from the collectors' notifications (the heap in use after each collection, young ones
 * included), never from the heap in use now, which counts garbage not collected yet: an idle node
 * with a full eden is not short of memory. Until the first collection it reads 0.
 */
public final class LiveHeap implements AutoCloseable {

    private final long maxBytes;
    private final Set<String> heapPools;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;
    private volatile int percent;

    /** @param maxBytes the heap's maximum (the percentage's base) */
    LiveHeap(long maxBytes, Set<String> heapPools) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.heapPools = Set.copyOf(heapPools);
    }

    /** Listens to this JVM's collectors; {@link #close} stops. */
    public static LiveHeap watch() {
        long max = Runtime.getRuntime().maxMemory();
        Set<String> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        LiveHeap heap = new LiveHeap(max, pools);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(heap.listener, null, null);
                heap.emitters.add(emitter);
            }
        }
        return heap;
    }

    /** The heap in use after the last collection, in percent of its maximum; 0 before the first. */
    public int percent() {
        return percent;
    }

    /** One collection ended with {@code afterGc} in use per memory pool. */
    void collected(Map<String, MemoryUsage> afterGc) {
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : afterGc.entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        percent = (int) Math.min(100, used * 100 / maxBytes);
    }

    private void onNotification(Notification n, Object handback) {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())
                && n.getUserData() instanceof CompositeData data) {
            collected(GarbageCollectionNotificationInfo.from(data).getGcInfo().getMemoryUsageAfterGc());
        }
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // already gone
            }
        }
        emitters.clear();
    }
}
