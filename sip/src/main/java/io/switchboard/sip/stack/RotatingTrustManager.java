package io.switchboard.sip.stack;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The certificates the node trusts (client certificates, and servers it connects to over TLS), following
 * a {@link WatchedKeyStore}: a rotated CA bundle applies from the next handshake on. Each check is a
 * whole decision against one version, so no pairing across a reload can go wrong here.
 */
final class RotatingTrustManager extends X509ExtendedTrustManager {

    private record Snapshot(long generation, X509ExtendedTrustManager trust) {}

    private final WatchedKeyStore store;
    private volatile Snapshot current;

    RotatingTrustManager(WatchedKeyStore store) {
        this.store = store;
        this.current = build(store.current());
    }

    private X509ExtendedTrustManager trust() {
        WatchedKeyStore.Loaded loaded = store.current();
        Snapshot s = current;
        if (s.generation() != loaded.generation()) {
            s = build(loaded);
            current = s;
        }
        return s.trust();
    }

    private static Snapshot build(WatchedKeyStore.Loaded loaded) {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(loaded.store());
            for (TrustManager m : f.getTrustManagers()) {
                if (m instanceof X509ExtendedTrustManager x) {
                    return new Snapshot(loaded.generation(), x);
                }
            }
            throw new IllegalStateException("the JVM's trust manager factory made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make trust managers of a loaded trust store", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        trust().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        trust().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        trust().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        trust().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        trust().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        trust().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trust().getAcceptedIssuers();
    }
}
