package io.switchboard.sip.stack;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's TLS certificate and key, following a {@link WatchedKeyStore}: each handshake uses the
 * store as it is at that moment, so a rotated certificate is presented from the next handshake on,
 * without a restart; connections already open keep theirs.
 *
 * <p>A handshake asks for an alias first and for its chain and key afterwards. A reload between those
 * calls must not pair the old chain with the new key, so every alias handed out names the store's
 * generation ("3:sip"), and the chain and key are taken from that generation. The one before the
 * current is kept for handshakes under way during a reload.
 */
final class RotatingKeyManager extends X509ExtendedKeyManager {

    private record Snapshot(long generation, X509ExtendedKeyManager keys) {}

    private record Found(X509ExtendedKeyManager keys, String alias) {}

    private final WatchedKeyStore store;
    private volatile Snapshot current;
    private volatile Snapshot previous;

    RotatingKeyManager(WatchedKeyStore store) {
        this.store = store;
        this.current = build(store.current());
    }

    private Snapshot snapshot() {
        WatchedKeyStore.Loaded loaded = store.current();
        Snapshot s = current;
        if (s.generation() == loaded.generation()) {
            return s;
        }
        synchronized (this) {
            if (current.generation() != loaded.generation()) {
                previous = current;
                current = build(loaded);
            }
            return current;
        }
    }

    private Snapshot build(WatchedKeyStore.Loaded loaded) {
        try {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(loaded.store(), store.password());
            for (KeyManager m : f.getKeyManagers()) {
                if (m instanceof X509ExtendedKeyManager x) {
                    return new Snapshot(loaded.generation(), x);
                }
            }
            throw new IllegalStateException("the JVM's key manager factory made no X509ExtendedKeyManager");
        } catch (GeneralSecurityException e) {
            // the store loaded, with a key, under this password: the factory does not fail on it
            throw new IllegalStateException("cannot make key managers of a loaded key store", e);
        }
    }

    private static String tag(Snapshot s, String alias) {
        return alias == null ? null : s.generation() + ":" + alias;
    }

    private static String[] tag(Snapshot s, String[] aliases) {
        return aliases == null
                ? null
                : Arrays.stream(aliases).map(a -> tag(s, a)).toArray(String[]::new);
    }

    /** The key manager of the generation an alias was handed out from, and the alias it knows. */
    private Found untag(String tagged) {
        int colon = tagged == null ? -1 : tagged.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        long generation;
        try {
            generation = Long.parseLong(tagged.substring(0, colon));
        } catch (NumberFormatException e) {
            return null;
        }
        String alias = tagged.substring(colon + 1);
        for (Snapshot s : new Snapshot[] {current, previous}) {
            if (s != null && s.generation() == generation) {
                return new Found(s.keys(), alias);
            }
        }
        return null; // two reloads during one handshake: it fails, the client retries
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        Snapshot s = snapshot();
        return tag(s, s.keys().getClientAliases(keyType, issuers));
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        Snapshot s = snapshot();
        return tag(s, s.keys().chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        Snapshot s = snapshot();
        return tag(s, s.keys().chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Snapshot s = snapshot();
        return tag(s, s.keys().getServerAliases(keyType, issuers));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Snapshot s = snapshot();
        return tag(s, s.keys().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Snapshot s = snapshot();
        return tag(s, s.keys().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Found found = untag(alias);
        return found == null ? null : found.keys().getCertificateChain(found.alias());
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Found found = untag(alias);
        return found == null ? null : found.keys().getPrivateKey(found.alias());
    }
}
