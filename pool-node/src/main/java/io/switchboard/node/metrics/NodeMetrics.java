package io.switchboard.node.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.common.TextFormat;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.BindingListener;
import io.switchboard.registrar.sip.RegisterObserver;
import io.switchboard.sip.auth.AuthEvents;
import io.switchboard.sip.auth.AuthThrottle;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's Prometheus metrics, one registry per node (tests run several nodes in one JVM).
 * Metric names follow Prometheus conventions: {@code _total} counters, base units (seconds).
 */
public final class NodeMetrics implements RegisterObserver, BindingListener {

    private final CollectorRegistry registry = new CollectorRegistry(true);
    private final LongAdder activeBindings = new LongAdder();
    private final Counter registers;
    private final Histogram registerLatency;
    private final Counter authFailures;
    private final Counter authThrottled;
    private final Counter badRequests;
    private final Counter proxied;
    private final Counter flowsSkipped;
    private final Counter acksDropped;
    private final Counter presenceRefused;
    private final Counter park;
    private final Counter sipShed;
    private final Gauge siteLinks;
    private final Counter siteLinkChanges;
    private final Map<String, java.util.function.DoubleSupplier> siteLinkDown =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** {@link #presenceRefused} label: a watcher from a domain that is not federated (or not from its sources). */
    public static final String NOT_FEDERATED = "not-federated";

    public NodeMetrics() {
        registers = Counter.build(
                        "switchboard_register_requests_total",
                        "REGISTER requests answered, by final status code (401 challenges included)")
                .labelNames("status")
                .register(registry);
        registerLatency = Histogram.build(
                        "switchboard_register_latency_seconds",
                        "Time from a REGISTER's arrival to its final response (challenges included)")
                .buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .register(registry);
        authFailures = Counter.build("switchboard_auth_failures_total", "Failed digest authentications, by reason")
                .labelNames("reason")
                .register(registry);
        authThrottled = Counter.build(
                        "switchboard_auth_throttled_total",
                        "Authentication attempts (SIP and HTTP Digest) refused before verification, by the limit"
                                + " that refused them: source, account_source, account_pool")
                .labelNames("reason")
                .register(registry);
        for (AuthThrottle.Scope scope : AuthThrottle.Scope.values()) {
            authThrottled.labels(scope.label()); // every reason shows, at 0, from the start
        }
        badRequests = Counter.build("switchboard_sip_bad_requests_total", "Requests answered 400 at the SIP edge")
                .register(registry);
        proxied = Counter.build(
                        "switchboard_proxy_requests_total",
                        "Proxied requests answered upstream, by method and final status code")
                .labelNames("method", "status")
                .register(registry);
        flowsSkipped = Counter.build(
                        "switchboard_proxy_flows_skipped_total",
                        "Bindings not rung because the node holding their TCP/TLS connection is not up")
                .register(registry);
        acksDropped = Counter.build(
                        "switchboard_proxy_acks_dropped_total",
                        "ACKs not forwarded: no Record-Route the pool signed for their dialog, or a GRUU of ours that leads nowhere; by reason")
                .labelNames("reason")
                .register(registry);
        presenceRefused = Counter.build(
                        "switchboard_presence_refused_total",
                        "Presence SUBSCRIBEs and watches refused, by the rule or cap that refused them "
                                + "(not-federated, dialogs-per-watcher, watchers-per-presentity, new-dialogs-per-source)")
                .labelNames("by")
                .register(registry);
        Gauge.build("switchboard_active_bindings", "Registrations held by registrar entities on this node")
                .create()
                .setChild(new Gauge.Child() {
                    @Override
                    public double get() {
                        return activeBindings.sum();
                    }
                })
                .register(registry);
        Counter.build(
                        "switchboard_sip_malformed_dropped_total",
                        "Messages from the network the SIP stack could not parse (answered 400 or dropped)")
                .create()
                .setChild(new Counter.Child() {
                    @Override
                    public double get() {
                        return io.switchboard.sip.stack.Slf4jStackLogger.peerMessagesDropped();
                    }
                })
                .register(registry);
        Counter malformed = Counter.build(
                        "switchboard_sip_malformed_total",
                        "Messages refused by the SIP edge's screen (answered 400/505 or dropped), by reason")
                .labelNames("reason")
                .create();
        for (io.switchboard.sip.stack.MalformedInput.Reason r :
                io.switchboard.sip.stack.MalformedInput.Reason.values()) {
            malformed.setChild(
                    new Counter.Child() {
                        @Override
                        public double get() {
                            return io.switchboard.sip.stack.MalformedInput.count(r);
                        }
                    },
                    r.label());
        }
        malformed.register(registry);
        park = Counter.build(
                        "switchboard_park_requests_total",
                        "Call park requests handled by this node, by outcome: parked; refused parks by reason "
                                + "(full, refused-referred-by, refused-parker, refused-media, refused-no-range); "
                                + "unavailable, retrieved, empty, ended, ring-back, rung-back, fallback, timed-out, "
                                + "taken-over, lost; busy lamps watched, notify, refused")
                .labelNames("outcome")
                .register(registry);
        sipShed = Counter.build(
                        "switchboard_sip_shed_total",
                        "Requests the SIP edge answered 503 with Retry-After before any work, by reason "
                                + "(warming-up: the node is not ready yet; draining: it stops; register-in-flight, "
                                + "invite-in-flight, message-in-flight, subscribe-in-flight, publish-in-flight: "
                                + "that class's admission bound is reached)")
                .labelNames("reason")
                .register(registry);
        siteLinks = Gauge.build(
                        "switchboard_site_link_reachable",
                        "Whether the other end of a pool-branch link answers OPTIONS (1) or not (0), by site: on a"
                                + " branch node the pool's site, on a pool node each branch site")
                .labelNames("site")
                .register(registry);
        siteLinkChanges = Counter.build(
                        "switchboard_site_link_changes_total",
                        "Pool-branch links that went down or came back up, by site and new state (down, up)")
                .labelNames("site", "to")
                .register(registry);
        new io.prometheus.client.Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                io.prometheus.client.CounterMetricFamily down = new io.prometheus.client.CounterMetricFamily(
                        "switchboard_site_link_down_seconds",
                        "How long the other end of a pool-branch link has counted as unreachable since this node"
                                + " started, by site (on a branch node: its time in WAN failure mode)",
                        List.of("site"));
                siteLinkDown.forEach((site, seconds) -> down.addMetric(List.of(site), seconds.getAsDouble()));
                return List.of(down);
            }
        }.register(registry);
        // JVM metrics (memory, GC, threads) go to this registry too.
        new io.prometheus.client.hotspot.StandardExports().register(registry);
        new io.prometheus.client.hotspot.MemoryPoolsExports().register(registry);
        new io.prometheus.client.hotspot.GarbageCollectorExports().register(registry);
        new io.prometheus.client.hotspot.ThreadExports().register(registry);
        new io.prometheus.client.hotspot.BufferPoolsExports().register(registry);
    }

    /** A request to be proxied that the node answered itself before proxying (407 challenge, throttle). */
    public void proxyAnswered(String method, int status) {
        proxied.labels(method, Integer.toString(status)).inc();
    }

    /** The proxy's view of these metrics. */
    public StatefulProxy.Events proxyEvents() {
        return new StatefulProxy.Events() {
            @Override
            public void answered(String method, int status) {
                proxied.labels(method, Integer.toString(status)).inc();
            }

            @Override
            public void flowSkipped() {
                flowsSkipped.inc();
            }
        };
    }

    @Override
    public void completed(int status, long elapsedNanos) {
        registers.labels(Integer.toString(status)).inc();
        registerLatency.observe(elapsedNanos / 1e9);
    }

    @Override
    public void changed(String aor, List<Binding> before, List<Binding> after) {
        activeBindings.add(after.size() - before.size());
    }

    @Override
    public void released(String aor, List<Binding> bindings) {
        activeBindings.add(-bindings.size());
    }

    public void authFailure(String reason) {
        authFailures.labels(reason).inc();
    }

    /** The auth throttle's hooks: counts refused attempts by the limit that refused them. */
    public AuthEvents authThrottleEvents() {
        return new AuthEvents() {
            @Override
            public void blocked(AuthThrottle.Scope scope) {
                authThrottled.labels(scope.label()).inc();
            }
        };
    }

    /** A presence request refused by {@code by}: {@link #NOT_FEDERATED} or a cap's name (presence's PresenceLimits). */
    /**
     * The gauge {@code switchboard_park_parked_calls}: calls waiting in an orbit whose caller's leg
     * this node holds ({@code ParkSip.activeDialogs}); the pool's parked calls are the sum over its
     * nodes. Registered once, by the SIP wiring.
     */
    public void parkedCalls(java.util.function.IntSupplier held) {
        Gauge.build(
                        "switchboard_park_parked_calls",
                        "Calls waiting in a park orbit whose caller's leg this node holds (the pool's: the sum over nodes)")
                .create()
                .setChild(new Gauge.Child() {
                    @Override
                    public double get() {
                        return held.getAsInt();
                    }
                })
                .register(registry);
    }

    /** A call park outcome ({@code io.switchboard.park.sip.ParkSip}'s labels). */
    public void park(String outcome) {
        park.labels(outcome).inc();
    }

    /** A request answered 503 + Retry-After at the SIP edge before any work (issue 17). */
    /** A watched pool-branch link's state (io.switchboard.node.site.OptionsWatcher); {@code changed}: a transition. */
    /** Reports {@code seconds}, the time the link to {@code site} has been down, in {@code switchboard_site_link_down_seconds_total}. */
    public void siteLinkDownFor(String site, java.util.function.DoubleSupplier seconds) {
        siteLinkDown.put(site, seconds);
    }

    public void siteLink(String site, boolean reachable, boolean changed) {
        siteLinks.labels(site).set(reachable ? 1 : 0);
        if (changed) {
            siteLinkChanges.labels(site, reachable ? "up" : "down").inc();
        }
    }

    /**
     * {@code switchboard_sip_in_flight{class}}: requests of each admission class taken and not yet
     * answered or sent on (issue 17, item 3), read at each scrape.
     */
    public void admissionInFlight(java.util.function.ToIntFunction<io.switchboard.node.routing.WorkClass> inFlight) {
        Gauge g = Gauge.build(
                        "switchboard_sip_in_flight",
                        "Requests the SIP edge admitted and has not yet answered or sent on, by class (the"
                                + " availability.admission bounds)")
                .labelNames("class")
                .register(registry);
        for (io.switchboard.node.routing.WorkClass c : io.switchboard.node.routing.WorkClass.values()) {
            g.setChild(
                    new Gauge.Child() {
                        @Override
                        public double get() {
                            return inFlight.applyAsInt(c);
                        }
                    },
                    c.label());
        }
    }

    /**
     * {@code switchboard_heap_after_gc_percent}: the heap in use right after the last garbage
     * collection, in percent of its maximum (what {@code availability.admission.heap-percent}
     * compares), read at each scrape.
     */
    public void heapAfterGc(java.util.function.IntSupplier percent) {
        Gauge.build(
                        "switchboard_heap_after_gc_percent",
                        "Heap in use right after the last garbage collection, in percent of the maximum (the"
                                + " availability.admission.heap-percent limits)")
                .register(registry)
                .setChild(new Gauge.Child() {
                    @Override
                    public double get() {
                        return percent.getAsInt();
                    }
                });
    }

    public void sipShed(String reason) {
        sipShed.labels(reason).inc();
    }

    public void presenceRefused(String by) {
        presenceRefused.labels(by).inc();
    }

    public void badRequest() {
        badRequests.inc();
    }

    /**
     * An ACK of no dialog the pool routed, dropped ({@code no-to-tag}, {@code no-route}, {@code
     * unsigned-route}), or one to a GRUU of ours that names no instance ({@code unknown-gruu}) or
     * whose instance has no binding now ({@code no-binding}).
     */
    public void ackDropped(String reason) {
        acksDropped.labels(reason).inc();
    }

    public long activeBindings() {
        return activeBindings.sum();
    }

    /** The node's registry, for a module's own metrics (AddressBookMetrics). */
    public CollectorRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        try (Writer w = new StringWriter(16 * 1024)) {
            TextFormat.write004(w, registry.metricFamilySamples());
            return w.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
