package io.switchboard.conference.sip;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
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
 * it and whose inner content is the original one; clients that do not read CPIM still show the
 * text with the sender's line above it.
 */
final class ConferenceMessages {

    private static final Logger LOG = LoggerFactory.getLogger(ConferenceMessages.class);

    private final Signalling sip;
    private final Consumer<String> counted;

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
        for (FocusLeg to : all) {
            if (to == from || !to.conferenceId.equals(from.conferenceId) || to.state != FocusLeg.State.CONNECTED) {
                continue;
            }
            try {
                Request m = sip.inDialog(to.participant, Request.MESSAGE, FocusSip.focusContact(to));
                m.setContent(cpim, sip.headers.createContentTypeHeader("message", "cpim"));
                sip.send(m, response -> {
                    if (response == null || response.getStatusCode() >= 300) {
                        LOG.info(
                                "Conference message to {} answered {}",
                                to.legId,
                                response == null ? "nothing" : response.getStatusCode());
                    }
                });
            } catch (Exception e) {
                LOG.info("Conference message to {} not sent: {}", to.legId, e.toString());
            }
        }
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
