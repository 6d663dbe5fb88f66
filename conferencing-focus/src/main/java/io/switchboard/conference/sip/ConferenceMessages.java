package io.switchboard.conference.sip;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sip.ServerTransaction;
import javax.sip.header.ContentTypeHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instant messages in a conference (issue 12, item 3): a MESSAGE a participant sends to the focus
 * inside its dialog (RFC 3428) is delivered by the focus itself, no mixer, to every other connected
 * participant, in each one's dialog with the focus. The sender is named the way RFC 3862 (CPIM)
 * does: the body is {@code message/cpim} whose {@code From} is the sender's URI as the roster has
 * it and whose inner content is the original one. A participant that refuses CPIM (415, or 488 as
 * linphonec 5.1 answers, interop/ConferenceInteropTest) gets the message again as {@code
 * text/plain} with the sender in front of the text ("bob@example.test: hello"), and from then on
 * only that way; non-text content is not converted.
 */
final class ConferenceMessages {

    private static final Logger LOG = LoggerFactory.getLogger(ConferenceMessages.class);

    private final Signalling sip;
    private final Consumer<String> counted;
    /** Legs that refused CPIM: they get text/plain with the sender in front. */
    private final Set<String> plainOnly = ConcurrentHashMap.newKeySet();

    ConferenceMessages(Signalling sip, Consumer<String> counted) {
        this.sip = sip;
        this.counted = counted;
    }

    /** {@code request} arrived in {@code from}'s dialog; {@code all} are the legs this node holds. */
    void relay(ServerTransaction tx, Request request, FocusLeg from, Collection<FocusLeg> all) {
        if (from.state != FocusLeg.State.CONNECTED) {
            sip.answer(tx, Response.FORBIDDEN, "Not in the conference");
            return;
        }
        byte[] content = request.getRawContent();
        ContentTypeHeader type = (ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME);
        if (content == null || content.length == 0 || type == null) {
            sip.answer(tx, Response.BAD_REQUEST, "A MESSAGE needs a body and its Content-Type");
            return;
        }
        // accepted for delivery to the others (RFC 3428 section 7: a final answer of the recipient, here the focus)
        sip.answer(tx, Response.OK, null);
        counted.accept(FocusSip.MESSAGE);
        byte[] cpim = cpim(from.participant.remoteUri, from.conferenceUri, type, content);
        byte[] plain = plain(from.participant.remoteUri, type, content); // null: not text, CPIM or nothing
        for (FocusLeg to : all) {
            if (to == from || !to.conferenceId.equals(from.conferenceId) || to.state != FocusLeg.State.CONNECTED) {
                continue;
            }
            if (plain != null && plainOnly.contains(to.legId)) {
                deliver(to, plain, false, null);
            } else {
                deliver(to, cpim, true, plain);
            }
        }
        plainOnly.retainAll(all.stream().map(l -> l.legId).toList()); // legs that left
    }

    /** One MESSAGE in {@code to}'s dialog; a CPIM one refused as unsupported is sent again as {@code plain}, if given. */
    private void deliver(FocusLeg to, byte[] body, boolean isCpim, byte[] plain) {
        try {
            Request m = sip.inDialog(to.participant, Request.MESSAGE, FocusSip.focusContact(to));
            ContentTypeHeader type = isCpim
                    ? sip.headers.createContentTypeHeader("message", "cpim")
                    : sip.headers.createContentTypeHeader("text", "plain");
            if (!isCpim) {
                type.setParameter("charset", "UTF-8");
            }
            m.setContent(body, type);
            sip.send(m, response -> {
                int status = response == null ? 0 : response.getStatusCode();
                if (isCpim
                        && plain != null
                        && (status == Response.UNSUPPORTED_MEDIA_TYPE || status == Response.NOT_ACCEPTABLE_HERE)) {
                    plainOnly.add(to.legId);
                    deliver(to, plain, false, null);
                } else if (status == 0 || status >= 300) {
                    LOG.info("Conference message to {} answered {}", to.legId, status == 0 ? "nothing" : status);
                }
            });
        } catch (Exception e) {
            LOG.info("Conference message to {} not sent: {}", to.legId, e.toString());
        }
    }

    /** The text with the sender in front ({@code user@domain: text}), or null for content that is not text. */
    static byte[] plain(String sender, ContentTypeHeader type, byte[] content) {
        if (!type.getContentType().equalsIgnoreCase("text")) {
            return null;
        }
        String charset = type.getParameter("charset");
        java.nio.charset.Charset cs;
        try {
            cs = charset == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(charset);
        } catch (RuntimeException e) {
            return null;
        }
        String who = sender.startsWith("sip:")
                ? sender.substring(4)
                : sender.startsWith("sips:") ? sender.substring(5) : sender;
        return (who + ": " + new String(content, cs)).getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3862 section 3: the message headers, a blank line, the inner MIME headers, a blank line, the content. */
    static byte[] cpim(String sender, String conference, ContentTypeHeader type, byte[] content) {
        String head = "From: <" + sender + ">\r\n"
                + "To: <" + conference + ">\r\n"
                + "DateTime: " + Instant.now() + "\r\n"
                + "\r\n"
                + "Content-Type: " + type.getContentType() + "/" + type.getContentSubType()
                + (type.getParameter("charset") != null ? ";charset=" + type.getParameter("charset") : "")
                + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + content.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(content, 0, out, h.length, content.length);
        return out;
    }
}
