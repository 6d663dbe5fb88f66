package io.switchboard.registrar.sip;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegistrarPolicy;
import java.text.ParseException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.InvalidArgumentException;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/** The one mapping from registrar decisions to SIP responses (RFC 3261 section 10.3 step 8). */
public final class RegisterResponses {

    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final RegistrarPolicy policy;
    private final Gruus gruus;
    private final int flowTimerSeconds;

    public RegisterResponses(
            MessageFactory messages, HeaderFactory headers, RegistrarPolicy policy, Gruus gruus, int flowTimerSeconds) {
        this.messages = messages;
        this.headers = headers;
        this.policy = policy;
        this.gruus = gruus;
        this.flowTimerSeconds = flowTimerSeconds;
    }

    /** A header of {@code name} with {@code value}, parsed by the stack. */
    public javax.sip.header.Header header(String name, String value) throws ParseException {
        return headers.createHeader(name, value);
    }

    /** 200 OK listing every binding with its remaining expiry, GRUUs and outbound headers. */
    public Response ok(Request request, String aor, RegisterDecision.Accepted decision, Instant now)
            throws ParseException {
        Response response = create(Response.OK, request, null);
        boolean gruu = RegisterParser.supports(request, "gruu");
        String callId = ((javax.sip.header.CallIdHeader) request.getHeader("Call-ID")).getCallId();
        for (Binding b : decision.bindings()) {
            response.addHeader(headers.createHeader("Contact", contactValue(aor, b, gruu, callId, now)));
        }
        if (decision.outbound()) {
            // RFC 5626 section 6: Require: outbound tells the client its flow is in use, and
            // Flow-Timer (section 4.4.1 / 10.7) how often to send keep-alives on it.
            response.addHeader(headers.createRequireHeader("outbound"));
            response.addHeader(headers.createHeader("Flow-Timer", Integer.toString(flowTimerSeconds)));
        }
        if (RegisterParser.supports(request, "path")) {
            // RFC 3327 section 5.3: echo the Path so the client learns the route to it.
            var it = request.getHeaders("Path");
            while (it.hasNext()) {
                response.addHeader((javax.sip.header.Header) ((javax.sip.header.Header) it.next()).clone());
            }
        }
        response.addHeader(headers.createSupportedHeader("outbound, path, gruu"));
        response.addHeader(
                headers.createDateHeader(java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("GMT"))));
        return response;
    }

    public Response rejected(Request request, RegisterDecision.Rejected rejected) throws ParseException {
        Response response = create(rejected.kind().status(), request, rejected.detail());
        try {
            switch (rejected.kind()) {
                case INTERVAL_TOO_BRIEF ->
                    response.addHeader(headers.createMinExpiresHeader((int) policy.minExpires()));
                case OUT_OF_ORDER -> response.addHeader(headers.createRetryAfterHeader(1));
                default -> {}
            }
        } catch (InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        return response;
    }

    /** Any other final response: {@code reason} replaces the standard phrase when given. */
    public Response create(int status, Request request, String reason) throws ParseException {
        Response response = messages.createResponse(status, request);
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (to != null && to.getTag() == null) {
            // RFC 3261 section 8.2.6.2: a UAS adds a To tag to its responses.
            to.setTag(Long.toHexString(ThreadLocalRandom.current().nextLong()));
        }
        if (reason != null) {
            response.setReasonPhrase(reason);
        }
        return response;
    }

    /** 503 with Retry-After: the store or the cluster did not answer, nothing was changed. */
    public Response unavailable(Request request, String reason, int retryAfterSeconds) throws ParseException {
        Response response = create(Response.SERVICE_UNAVAILABLE, request, reason);
        try {
            response.addHeader(headers.createRetryAfterHeader(retryAfterSeconds));
        } catch (InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        return response;
    }

    String contactValue(String aor, Binding b, boolean gruu, String callId, Instant now) {
        StringBuilder v = new StringBuilder(128)
                .append('<')
                .append(b.contact())
                .append(">;expires=")
                .append(b.secondsLeft(now));
        if (b.q() < 1000) {
            v.append(";q=").append(formatQ(b.q()));
        }
        if (b.instanceId() != null) {
            v.append(";+sip.instance=\"").append(b.instanceId()).append('"');
            if (gruu) {
                v.append(";pub-gruu=\"")
                        .append(Gruus.publicGruu(aor, b.instanceId()))
                        .append('"');
                v.append(";temp-gruu=\"")
                        .append(gruus.tempGruu(aor, b.instanceId(), callId))
                        .append('"');
            }
        }
        if (b.regId() > 0) {
            v.append(";reg-id=").append(b.regId());
        }
        return v.toString();
    }

    static String formatQ(int q) {
        String s = String.format(java.util.Locale.ROOT, "%d.%03d", q / 1000, q % 1000);
        return s.replaceAll("0+$", "").replaceAll("\\.$", ".0");
    }
}
