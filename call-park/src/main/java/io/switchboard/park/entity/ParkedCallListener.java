package io.switchboard.park.entity;

import io.switchboard.park.domain.ParkedCall;
import java.util.Optional;

/**
 * Told what a parked call's timeouts decided, after the new state is stored: the SIP side rings
 * the parker back, or sends the call to its fallback or ends it. Called on the entity's thread;
 * must not block.
 */
public interface ParkedCallListener {

    /** Ring {@code call.parker()} back; {@code attempt} counts from 1. */
    void ringBack(String parkId, ParkedCall call, int attempt);

    /** No one picked up: the orbit is already free; send the caller to {@code fallback}, or end the call. */
    void gaveUp(String parkId, ParkedCall call, Optional<String> fallback);

    ParkedCallListener NONE = new ParkedCallListener() {
        @Override
        public void ringBack(String parkId, ParkedCall call, int attempt) {}

        @Override
        public void gaveUp(String parkId, ParkedCall call, Optional<String> fallback) {}
    };
}
