package io.switchboard.registrar.sip;

/** Told how each REGISTER ended, for metrics. Called on whatever thread completed it; must not block. */
@FunctionalInterface
public interface RegisterObserver {

    void completed(int status, long elapsedNanos);

    RegisterObserver NONE = (status, nanos) -> {};
}
