package io.switchboard.node.site;

import io.switchboard.node.sip.PresenceRegistrations;
import io.switchboard.presence.entity.Endpoint;
import io.switchboard.presence.entity.PresentityClient;
import io.switchboard.registrar.location.Locations;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sip.address.SipURI;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.EventHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * A pool node's side of a branch user's registration driving her presence (README, "Sites and branches"): takes the
 * registration reports branch nodes send ({@link BranchPresenceRelay}) and tells her presentity her endpoints: those
 * the branch reports, with those she has registered at the pool itself (her phone failed over; the pool site's rows
 * of her site keyspace, which this node's registrar wrote). Taken only from a branch node vouching for one of its own
 * users ({@link BranchVouching}: its Record-Route signed with the pool secret, the From homed at that branch), and
 * only about that user (the To); nobody else can set anyone's registration state, a user herself neither (she is
 * never asked for digest credentials here: her registrations are what her REGISTERs say).
 */
public final class BranchPresenceReports {

    /** The answer to a report. */
    public record Answer(int status, String reason) {}

    private final BranchVouching vouching;
    private final Locations poolRows;
    private final PresentityClient presence;

    /**
     * @param poolRows the user's bindings this pool wrote (for a branch user: the pool site's rows only)
     */
    public BranchPresenceReports(BranchVouching vouching, Locations poolRows, PresentityClient presence) {
        this.vouching = vouching;
        this.poolRows = poolRows;
        this.presence = presence;
    }

    /** Whether {@code request} is a registration report (a PUBLISH of the {@code reg} event outside a dialog). */
    public boolean handles(Request request) {
        return Request.PUBLISH.equals(request.getMethod())
                && request.getHeader(EventHeader.NAME) instanceof EventHeader event
                && RegistrationReport.EVENT.equalsIgnoreCase(event.getEventType())
                && request.getHeader(ToHeader.NAME) instanceof ToHeader to
                && to.getTag() == null;
    }

    /** Checks, reads and applies a report; completes with the answer to send. */
    public CompletionStage<Answer> handle(Request request) {
        return vouching.apply(request).thenCompose(vouched -> {
            Optional<String> about = aorOf((ToHeader) request.getHeader(ToHeader.NAME));
            if (vouched.isEmpty() || about.isEmpty() || !about.get().equals(vouched.get())) {
                // RFC 3261 section 21.4.4: understood, and refused whatever credentials come
                return done(new Answer(Response.FORBIDDEN, "Registration state is taken from branch nodes only"));
            }
            if (!(request.getHeader(ContentTypeHeader.NAME) instanceof ContentTypeHeader type)
                    || !RegistrationReport.CONTENT_TYPE.equalsIgnoreCase(type.getContentType())
                    || !RegistrationReport.CONTENT_SUBTYPE.equalsIgnoreCase(type.getContentSubType())) {
                return done(new Answer(Response.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type"));
            }
            Optional<List<Endpoint>> reported = RegistrationReport.read(request.getRawContent());
            if (reported.isEmpty()) {
                return done(new Answer(Response.BAD_REQUEST, "Malformed registration report"));
            }
            String aor = vouched.get();
            return poolRows.lookup(aor)
                    .thenApply(PresenceRegistrations::endpoints)
                    .thenApply(atPool -> {
                        presence.endpointsChanged(aor, union(reported.get(), atPool));
                        return new Answer(Response.OK, "OK");
                    });
        });
    }

    /** Every endpoint of both lists, once per key (the branch's first). */
    static List<Endpoint> union(List<Endpoint> branch, List<Endpoint> pool) {
        List<Endpoint> all = new ArrayList<>(branch);
        Set<String> keys = new HashSet<>(PresenceRegistrations.keys(branch));
        for (Endpoint e : pool) {
            if (keys.add(e.key())) {
                all.add(e);
            }
        }
        return all;
    }

    private static Optional<String> aorOf(ToHeader to) {
        if (to == null || !(to.getAddress().getURI() instanceof SipURI uri) || uri.getUser() == null) {
            return Optional.empty();
        }
        return Optional.of("sip:" + uri.getUser() + "@" + uri.getHost().toLowerCase(Locale.ROOT));
    }

    private static CompletionStage<Answer> done(Answer answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
