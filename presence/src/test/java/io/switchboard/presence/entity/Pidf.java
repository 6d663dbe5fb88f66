package io.switchboard.presence.entity;

import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PidfParser;
import io.switchboard.presence.domain.Publications;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishedState;
import java.nio.charset.StandardCharsets;

/** PUBLISH requests with real PIDF bodies, interpreted as the SIP edge would (PidfParser, Publications). */
final class Pidf {

    private Pidf() {}

    /**
     * @param state a {@code <sb:state>} token (busy, away, do-not-disturb, available, ...)
     * @param note  the note, or null for none
     */
    static String body(String entity, String state, String note) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\""
                + " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
                + " xmlns:sb=\"urn:switchboard:params:xml:ns:presence\" entity=\"" + entity + "\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple>"
                + "<dm:person id=\"p1\"><sb:state>" + state + "</sb:state>"
                + (note == null ? "" : "<dm:note>" + note + "</dm:note>")
                + "</dm:person></presence>";
    }

    static PublishedState interpret(String body) {
        PidfParser.Result parsed = PidfParser.parse(body.getBytes(StandardCharsets.UTF_8));
        if (!(parsed instanceof PidfParser.Ok ok)) {
            throw new IllegalArgumentException("test PIDF refused: " + parsed);
        }
        Publications.Interpretation i = Publications.interpret(ok.document(), CustomStates.NONE);
        if (!(i instanceof Publications.Interpretation.Ok state)) {
            throw new IllegalArgumentException("test PIDF not interpreted: " + i);
        }
        return state.state();
    }

    /** An initial PUBLISH (no SIP-If-Match, no Expires). */
    static PublishRequest initial(String entity, String endpoint, String state, String note) {
        String body = body(entity, state, note);
        return new PublishRequest(null, -1, body, interpret(body), endpoint);
    }

    /** A modify of the publication {@code etag}. */
    static PublishRequest modify(String etag, String entity, String endpoint, String state, String note) {
        String body = body(entity, state, note);
        return new PublishRequest(etag, -1, body, interpret(body), endpoint);
    }

    /** A refresh (no body) of {@code etag}. */
    static PublishRequest refresh(String etag, String endpoint, long expires) {
        return new PublishRequest(etag, expires, null, null, endpoint);
    }
}
