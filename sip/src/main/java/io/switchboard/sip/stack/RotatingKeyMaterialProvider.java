package io.switchboard.sip.stack;

import gov.nist.core.net.SecurityManagerProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Properties;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The stack's source of TLS key material ({@code gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER}, set by
 * {@link StackProperties}) in place of the RI's {@code DefaultSecurityManagerProvider}, which reads the
 * key and trust stores once when the TLS listening point is made. This one hands the stack key and
 * trust managers that follow the files ({@link RotatingKeyManager}, {@link RotatingTrustManager}), so
 * an operator rotates the certificate by replacing the file (in Kubernetes: updating the Secret) with
 * no restart. It reads the same stack properties as the RI's ({@code javax.net.ssl.keyStore},
 * {@code keyStorePassword}, {@code keyStoreType}, {@code trustStore}, {@code trustStorePassword}) plus
 * {@link #RELOAD_CHECK_PROPERTY}; no trust store means the JVM's default trust, as before.
 *
 * <p>The RI makes it by reflection (public, no-argument constructor) and calls {@link #init} with the
 * stack's properties.
 */
public final class RotatingKeyMaterialProvider implements SecurityManagerProvider {
    /** Milliseconds between checks of the files for a change; 0 = read once, never reloaded. */
    public static final String RELOAD_CHECK_PROPERTY = "io.switchboard.sip.tls.reloadCheckMillis";

    private KeyManager[] keys;
    private TrustManager[] trust;

    public RotatingKeyMaterialProvider() {}

    @Override
    public void init(Properties p) throws GeneralSecurityException {
        Duration check = Duration.ofMillis(Long.parseLong(p.getProperty(RELOAD_CHECK_PROPERTY, "0")));
        String keyPassword = p.getProperty("javax.net.ssl.keyStorePassword", "");
        String keyStore = p.getProperty("javax.net.ssl.keyStore");
        if (keyStore == null) {
            throw new GeneralSecurityException("no javax.net.ssl.keyStore for the TLS listening point");
        }
        keys = new KeyManager[] {
            new RotatingKeyManager(WatchedKeyStore.open(
                    "key store",
                    Path.of(keyStore),
                    p.getProperty("javax.net.ssl.keyStoreType", "PKCS12"),
                    keyPassword,
                    true,
                    check,
                    System::nanoTime))
        };
        String trustStore = p.getProperty("javax.net.ssl.trustStore");
        if (trustStore == null) {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            trust = f.getTrustManagers();
        } else {
            trust = new TrustManager[] {
                new RotatingTrustManager(WatchedKeyStore.open(
                        "trust store",
                        Path.of(trustStore),
                        p.getProperty("javax.net.ssl.trustStoreType", KeyStore.getDefaultType()),
                        p.getProperty("javax.net.ssl.trustStorePassword", keyPassword),
                        false,
                        check,
                        System::nanoTime))
            };
        }
    }

    @Override
    public KeyManager[] getKeyManagers(boolean client) {
        return keys;
    }

    @Override
    public TrustManager[] getTrustManagers(boolean client) {
        return trust;
    }
}
