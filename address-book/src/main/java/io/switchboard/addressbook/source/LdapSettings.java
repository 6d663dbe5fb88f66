package io.switchboard.addressbook.source;

import io.switchboard.addressbook.domain.AttributeMapping;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * How to read the directory over LDAP: {@code url} is {@code ldap://host[:389]} or {@code ldaps://host[:636]}
 * (LDAP over TLS from the first byte; the server's certificate is checked against {@code trustStore}, a JKS or
 * PKCS#12 file, or the JVM's trusted authorities when empty, and its host name must match). An empty
 * {@code bindDn} reads anonymously; otherwise a simple bind (RFC 4513 section 5.2) with {@code password}.
 * {@code pageSize} is the page size asked for with the paged results control (RFC 2696): Active Directory
 * returns at most 1,000 entries per search without it.
 */
public record LdapSettings(
        String url,
        String bindDn,
        String password,
        String baseDn,
        String filter,
        int pageSize,
        Duration connectTimeout,
        Duration responseTimeout,
        Optional<Path> trustStore,
        String trustStorePassword,
        AttributeMapping mapping) {

    public LdapSettings {
        endpoint(url); // fails early on a bad URL
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + pageSize);
        }
    }

    /** Where to connect, from {@link #url}. */
    public record Endpoint(boolean tls, String host, int port) {
        @Override
        public String toString() {
            return (tls ? "ldaps://" : "ldap://") + host + ":" + port;
        }
    }

    public Endpoint endpoint() {
        return endpoint(url);
    }

    /** Parses {@code ldap://host[:port]} or {@code ldaps://host[:port]}; IllegalArgumentException says why not. */
    public static Endpoint endpoint(String url) {
        URI uri;
        try {
            uri = new URI(url == null ? "" : url.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not an LDAP URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls;
        if (scheme.equals("ldap")) {
            tls = false;
        } else if (scheme.equals("ldaps")) {
            tls = true;
        } else {
            throw new IllegalArgumentException("an LDAP URL starts with ldap:// or ldaps://, not: " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in LDAP URL " + url);
        }
        if (uri.getRawPath() != null
                && !uri.getRawPath().isEmpty()
                && !uri.getRawPath().equals("/")) {
            throw new IllegalArgumentException(
                    "the LDAP URL names only the server (set the base DN and filter apart): " + url);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 636 : 389;
        return new Endpoint(tls, uri.getHost(), port);
    }
}
