package io.switchboard.sip.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key or trust store file that may be replaced while the node runs, as Kubernetes does when the
 * Secret mounted there changes (an atomic swap of the mounted directory's {@code ..data} link). At
 * most once per check interval, a caller about to use the store looks at the file's modification time
 * and size; when either changed it loads the file again. A file that does not load (half written,
 * wrong password, no private key in a key store) is logged and the store keeps what it had, so a bad
 * rotation never takes TLS down; it is tried again once the file changes again.
 *
 * <p>The check runs on the thread of a TLS handshake (the stack's NIO selector thread): a stat of one
 * file per interval, and a read of a few kilobytes only when it changed. No timer thread is needed,
 * and an idle node does no work.
 */
final class WatchedKeyStore {
    private static final Logger log = LoggerFactory.getLogger(WatchedKeyStore.class);

    /** One loaded version of the file, with a generation number that rises at each reload. */
    record Loaded(long generation, KeyStore store, FileTime modified, long size) {}

    private final String what;
    private final Path path;
    private final String type;
    private final char[] password;
    private final boolean needsPrivateKey;
    private final long checkNanos;
    private final LongSupplier nanoClock;
    private volatile Loaded current;
    private volatile long nextCheck;
    /** The modification time of a file that failed to load, so it is reported once, not per check. */
    private FileTime failedModified;

    private WatchedKeyStore(
            String what,
            Path path,
            String type,
            String password,
            boolean needsPrivateKey,
            Duration checkInterval,
            LongSupplier nanoClock) {
        this.what = what;
        this.path = path;
        this.type = type;
        this.password = password.toCharArray();
        this.needsPrivateKey = needsPrivateKey;
        this.checkNanos = checkInterval.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Loads the file now; a failure here is the node's start failing ({@link SipStartException}).
     * {@code checkInterval} zero or negative: the file is read once and never again.
     */
    static WatchedKeyStore open(
            String what,
            Path path,
            String type,
            String password,
            boolean needsPrivateKey,
            Duration checkInterval,
            LongSupplier nanoClock) {
        WatchedKeyStore s = new WatchedKeyStore(what, path, type, password, needsPrivateKey, checkInterval, nanoClock);
        try {
            s.current = s.load(0);
        } catch (IOException | GeneralSecurityException e) {
            throw new SipStartException(
                    "cannot load TLS " + what + " " + path + " (" + type + "): " + e.getMessage(), e);
        }
        s.nextCheck = nanoClock.getAsLong() + s.checkNanos;
        return s;
    }

    /** The store as it is now, reloaded first if the interval has passed and the file changed. */
    Loaded current() {
        if (checkNanos > 0 && nanoClock.getAsLong() - nextCheck >= 0) {
            check();
        }
        return current;
    }

    private synchronized void check() {
        long now = nanoClock.getAsLong();
        if (now - nextCheck < 0) {
            return; // another handshake checked while this one waited for the lock
        }
        nextCheck = now + checkNanos;
        Loaded was = current;
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(path);
            size = Files.size(path);
        } catch (IOException e) {
            log.warn("TLS {} {} cannot be read ({}); keeping the loaded one", what, path, e.toString());
            return;
        }
        if (modified.equals(was.modified()) && size == was.size()) {
            return;
        }
        if (modified.equals(failedModified)) {
            return;
        }
        try {
            current = load(was.generation() + 1);
            failedModified = null;
            log.info("TLS {} {} changed on disk and was reloaded: {}", what, path, describe(current.store()));
        } catch (IOException | GeneralSecurityException e) {
            failedModified = modified;
            log.error(
                    "TLS {} {} changed on disk but does not load ({}); still using the one loaded before: {}",
                    what,
                    path,
                    e.getMessage() == null ? e.toString() : e.getMessage(),
                    describe(was.store()));
        }
    }

    private Loaded load(long generation) throws IOException, GeneralSecurityException {
        // the times are read before the content: a file replaced while being read is seen as changed at
        // the next check and read again
        FileTime modified = Files.getLastModifiedTime(path);
        long size = Files.size(path);
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, password);
        }
        if (needsPrivateKey) {
            boolean hasKey = false;
            for (String alias : Collections.list(ks.aliases())) {
                hasKey |= ks.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new GeneralSecurityException("it holds no private key");
            }
        }
        return new Loaded(generation, ks, modified, size);
    }

    /** The first certificate's subject and end of validity, for the log. */
    static String describe(KeyStore ks) {
        try {
            for (String alias : Collections.list(ks.aliases())) {
                Certificate c = ks.getCertificate(alias);
                if (c instanceof X509Certificate x) {
                    return x.getSubjectX500Principal().getName() + ", valid until "
                            + x.getNotAfter().toInstant();
                }
            }
        } catch (GeneralSecurityException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
        return "(no certificate)";
    }

    char[] password() {
        return password;
    }
}
