package io.switchboard.sip.stack;

import java.security.KeyStore;
import java.time.Duration;

/**
 * Loads the TLS key and trust stores once before the stack does. The RI catches and only logs a
 * failure to build its SslNetworkLayer ("could not instantiate SSL networking") and then fails
 * on the first TLS connection; a node must instead refuse to start with a clear message. The
 * stores are read as {@link RotatingKeyMaterialProvider} will read them ({@link WatchedKeyStore}),
 * so what passes here is what the stack gets.
 */
final class KeyMaterial {
    private KeyMaterial() {}

    static void check(TlsSettings t) {
        WatchedKeyStore.open(
                "key store",
                t.keyStore(),
                t.keyStoreType(),
                t.keyStorePassword(),
                true,
                Duration.ZERO,
                System::nanoTime);
        if (t.trustStore().isPresent()) {
            WatchedKeyStore.open(
                    "trust store",
                    t.trustStore().get(),
                    KeyStore.getDefaultType(),
                    t.trustStorePassword().orElse(t.keyStorePassword()),
                    false,
                    Duration.ZERO,
                    System::nanoTime);
        }
    }
}
