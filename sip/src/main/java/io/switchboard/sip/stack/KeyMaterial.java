package io.switchboard.sip.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;

/**
 * Loads the TLS key and trust stores once before the stack does. The RI catches and only logs a
 * failure to build its SslNetworkLayer ("could not instantiate SSL networking") and then fails
 * on the first TLS connection; a node must instead refuse to start with a clear message.
 */
final class KeyMaterial {
    private KeyMaterial() {}

    static void check(TlsSettings t) {
        KeyStore keys = load("key store", t.keyStore(), t.keyStoreType(), t.keyStorePassword());
        try {
            boolean hasKey = false;
            for (String alias : Collections.list(keys.aliases())) {
                hasKey |= keys.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new SipStartException("TLS key store " + t.keyStore() + " holds no private key");
            }
        } catch (GeneralSecurityException e) {
            throw new SipStartException("cannot read TLS key store " + t.keyStore(), e);
        }
        if (t.trustStore().isPresent()) {
            load(
                    "trust store",
                    t.trustStore().get(),
                    KeyStore.getDefaultType(),
                    t.trustStorePassword().orElse(t.keyStorePassword()));
        }
    }

    private static KeyStore load(String what, Path path, String type, String password) {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password.toCharArray());
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new SipStartException(
                    "cannot load TLS " + what + " " + path + " (" + type + "): " + e.getMessage(), e);
        }
    }
}
