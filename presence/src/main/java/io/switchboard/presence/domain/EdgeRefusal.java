package io.switchboard.presence.domain;

import java.util.Map;

/**
 * A request the presence server's SIP edge answers itself, before any entity is asked.
 *
 * @param status  the SIP status
 * @param reason  the reason phrase, or null for the status's default
 * @param headers header name to value, added to the response (Min-Expires, Accept, Require)
 */
public record EdgeRefusal(int status, String reason, Map<String, String> headers) implements SubscribeDecision {

    public EdgeRefusal {
        headers = Map.copyOf(headers);
    }

    public static EdgeRefusal of(int status, String reason) {
        return new EdgeRefusal(status, reason, Map.of());
    }
}
