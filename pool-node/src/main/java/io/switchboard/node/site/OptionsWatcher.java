package io.switchboard.node.site;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the other end of a pool-branch link with OPTIONS keep-alives (README, "Sites and branches", WAN failure
 * mode): a branch node watches the pool (the targets its {@code branch.pool-uri} resolves to), a pool node each
 * configured branch node. Every {@code interval} it sends one OPTIONS to each target, addressed to the node itself
 * (no user part, so a node of ours answers 200 before any authentication); any response from any target is an
 * answer ({@link LinkWatch} decides up and down). Probes are ordinary client transactions, retransmitted by the
 * stack over UDP (RFC 3261 section 17.1.2), so one lost packet is not a missed probe.
 *
 * <p>Never blocks: probes are sent on the timer thread, answers arrive on JAIN-SIP threads through
 * {@link #onResponse} and {@link #onTimeout}, which the node's SIP listener asks first.
 */
public final class OptionsWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OptionsWatcher.class);

    /** What a probe's client transaction carries, so that its answer finds its watcher. */
    private record Probe(OptionsWatcher watcher) {}

    /** Sends one OPTIONS to a target; how the watcher reaches the SIP stack (a fake in tests). */
    public interface Sender {
        void options(NextHop target, Object applicationData) throws Exception;
    }

    private final String peer;
    private final Supplier<CompletionStage<List<NextHop>>> targets;
    private final Duration interval;
    private final LinkWatch watch;
    private final Clock clock;
    private final Consumer<LinkWatch.Transition> onChange;
    private final Sender sender;
    private volatile ScheduledFuture<?> task;

    /**
     * @param peer     what is watched, for logs ("the pool", "branch ams")
     * @param targets  where the peer is now (resolved again every round, so DNS changes are followed)
     * @param onChange told of each transition once, after it is logged
     */
    public OptionsWatcher(
            String peer,
            Supplier<CompletionStage<List<NextHop>>> targets,
            Duration interval,
            Duration downAfter,
            Clock clock,
            Sender sender,
            Consumer<LinkWatch.Transition> onChange) {
        this(peer, targets, interval, downAfter, Duration.ZERO, clock, sender, onChange);
    }

    /** @param holdDown how long the peer must answer after an outage before it counts as reachable again */
    public OptionsWatcher(
            String peer,
            Supplier<CompletionStage<List<NextHop>>> targets,
            Duration interval,
            Duration downAfter,
            Duration holdDown,
            Clock clock,
            Sender sender,
            Consumer<LinkWatch.Transition> onChange) {
        this.peer = peer;
        this.targets = targets;
        this.interval = interval;
        this.clock = clock;
        this.watch = new LinkWatch(downAfter, holdDown, clock.instant());
        this.sender = sender;
        this.onChange = onChange;
    }

    /** Probes every interval on {@code timer}, the first at once. */
    public OptionsWatcher start(ScheduledExecutorService timer) {
        task = timer.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Whether the peer answers, as of now (checked now, so the answer flips exactly at the down-after time). */
    public boolean reachable() {
        report(watch.check(clock.instant()));
        return watch.reachable();
    }

    /** The state and its times, for {@code pool status}. */
    public LinkWatch watch() {
        reachable();
        return watch;
    }

    public String peer() {
        return peer;
    }

    void round() {
        try {
            report(watch.check(clock.instant()));
            targets.get().whenComplete((hops, failure) -> {
                if (failure != null || hops == null || hops.isEmpty()) {
                    LOG.debug("No target to probe for {}: {}", peer, failure == null ? "none" : failure.toString());
                    return;
                }
                for (NextHop hop : hops) {
                    try {
                        sender.options(hop, new Probe(this));
                    } catch (Exception e) {
                        // a target we cannot send to does not answer: the watch notices by itself
                        LOG.debug("OPTIONS to {} for {} not sent: {}", hop, peer, e.toString());
                    }
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Probing {} failed: {}", peer, e.toString()); // the next round tries again
        }
    }

    void answered() {
        report(watch.answered(clock.instant()));
    }

    private void report(Optional<LinkWatch.Transition> change) {
        change.ifPresent(t -> {
            if (t.reachable()) {
                LOG.info(
                        "{} answers OPTIONS again, after an outage since {} ({} s)",
                        capitalized(peer),
                        t.previousSince(),
                        Duration.between(t.previousSince(), t.at()).toSeconds());
            } else {
                LOG.warn(
                        "{} is unreachable: no answer to OPTIONS since {} (switchboard.branch.pool-down-after)",
                        capitalized(peer),
                        t.lastAnswer());
            }
            onChange.accept(t);
        });
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** A response to one of our probes (any status counts); false for anyone else's. */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Probe p) {
            p.watcher().answered();
            return true;
        }
        return false;
    }

    /** Timer F of one of our probes: no answer, which the watch notices by itself. */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        return !event.isServerTransaction() && ct != null && ct.getApplicationData() instanceof Probe;
    }

    /**
     * The sender over a node's SIP stack: an OPTIONS to {@code sip:host:port;transport=t} from this node, sent to
     * that hop whatever the router would choose ({@code ProxyRouter} takes a {@link NextHop} as the message's
     * application data).
     */
    public static Sender over(SipProvider provider, MessageFactory messages, ProxyIdentity self) {
        AtomicLong cseq = new AtomicLong();
        return (hop, applicationData) -> {
            String host = hop.host().contains(":") ? "[" + hop.host() + "]" : hop.host();
            String uri = "sip:" + host + ":" + hop.port() + ";transport=" + hop.transport();
            String selfHost = self.address().contains(":") ? "[" + self.address() + "]" : self.address();
            long r = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            String text = "OPTIONS " + uri + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/" + hop.transport().toUpperCase(java.util.Locale.ROOT) + " " + selfHost + ":"
                    + self.port(hop.transport()) + ";branch=z9hG4bKow" + Long.toHexString(r) + "\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:" + self.nodeId() + "@" + selfHost + ">;tag=" + Long.toHexString(r >>> 16) + "\r\n"
                    + "To: <" + uri + ">\r\n"
                    + "Call-ID: ow-" + Long.toHexString(r) + "@" + selfHost + "\r\n"
                    + "CSeq: " + cseq.incrementAndGet() + " OPTIONS\r\n"
                    + "Accept: application/sdp\r\n"
                    + "Content-Length: 0\r\n\r\n";
            Request options = messages.createRequest(text);
            ((SIPMessage) options).setApplicationData(hop);
            ClientTransaction ct = provider.getNewClientTransaction(options);
            ct.setApplicationData(applicationData);
            ct.sendRequest();
        };
    }

    @Override
    public void close() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }
}
