package io.switchboard.addressbook.source;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustStoreTrustManager;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.DirectoryEntry;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import javax.net.SocketFactory;

/**
 * Reads the directory over LDAP (RFC 4511) with the UnboundID LDAP SDK: connect (LDAP or LDAPS), simple
 * bind, then one subtree search of the base DN with the filter, asking only for the mapped attributes, page
 * by page with the simple paged results control (RFC 2696) marked critical, so a server that cannot page
 * fails the read instead of silently returning its size limit's worth. An entry's id is its DN.
 *
 * <p>Every failure is a {@link SourceException} whose message says what went wrong in an operator's terms:
 * unreachable server, refused bind, unknown base DN, bad filter, size limit, connection lost mid-read.
 */
public final class LdapSource implements DirectorySource {

    private final LdapSettings settings;

    public LdapSource(LdapSettings settings) {
        this.settings = settings;
    }

    @Override
    public String describe() {
        return settings.endpoint() + " " + settings.baseDn();
    }

    @Override
    public SourceRead read(LongConsumer progress) throws SourceException {
        Filter filter;
        try {
            filter = Filter.create(settings.filter());
        } catch (LDAPException e) {
            throw new SourceException("bad LDAP filter " + settings.filter() + ": " + e.getMessage(), e);
        }
        try (LDAPConnection connection = connect()) {
            bind(connection);
            return search(connection, filter, progress);
        }
    }

    private LDAPConnection connect() throws SourceException {
        LdapSettings.Endpoint endpoint = settings.endpoint();
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) settings.connectTimeout().toMillis());
        options.setResponseTimeoutMillis(settings.responseTimeout().toMillis());
        SocketFactory sockets = SocketFactory.getDefault();
        if (endpoint.tls()) {
            try {
                SSLUtil ssl = settings.trustStore()
                        .map(path -> new SSLUtil(new TrustStoreTrustManager(
                                path.toFile(), settings.trustStorePassword().toCharArray(), null, true)))
                        .orElseGet(SSLUtil::new);
                sockets = ssl.createSSLSocketFactory();
            } catch (GeneralSecurityException e) {
                throw new SourceException("cannot set up TLS for " + endpoint + ": " + e.getMessage(), e);
            }
            // the certificate must be for the host we asked for (RFC 4513 section 3.1.3)
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(false));
        }
        try {
            return new LDAPConnection(sockets, options, endpoint.host(), endpoint.port());
        } catch (LDAPException e) {
            throw new SourceException("LDAP directory " + endpoint + " is unreachable: " + e.getMessage(), e);
        }
    }

    private void bind(LDAPConnection connection) throws SourceException {
        if (settings.bindDn().isBlank()) {
            return;
        }
        try {
            connection.bind(new SimpleBindRequest(settings.bindDn(), settings.password()));
        } catch (LDAPException e) {
            String why = e.getResultCode() == ResultCode.INVALID_CREDENTIALS
                    ? "invalid credentials (wrong bind DN or password)"
                    : e.getResultCode() + (e.getDiagnosticMessage() == null ? "" : ": " + e.getDiagnosticMessage());
            throw new SourceException(
                    "LDAP bind as " + settings.bindDn() + " to " + settings.endpoint() + " failed: " + why, e);
        }
    }

    private SourceRead search(LDAPConnection connection, Filter filter, LongConsumer progress) throws SourceException {
        Map<Attribute, String> names = settings.mapping().names();
        String[] requested = names.values().toArray(String[]::new);
        List<DirectoryEntry> entries = new ArrayList<>();
        List<SourceRead.Problem> problems = new ArrayList<>();
        ASN1OctetString cookie = null;
        do {
            SearchRequest request = new SearchRequest(settings.baseDn(), SearchScope.SUB, filter, requested);
            request.setControls(new SimplePagedResultsControl(settings.pageSize(), cookie, true));
            SearchResult result;
            try {
                result = connection.search(request);
            } catch (LDAPSearchException e) {
                throw new SourceException(searchFailure(e, entries.size()), e);
            }
            for (SearchResultEntry found : result.getSearchEntries()) {
                EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
                names.forEach((attribute, name) -> {
                    // a multi-valued attribute gives its first value
                    String value = found.getAttributeValue(name);
                    if (value != null) {
                        values.put(attribute, value);
                    }
                });
                DirectoryEntry entry = new DirectoryEntry(found.getDN(), values);
                if (entry.get(Attribute.DISPLAY_NAME).isEmpty()
                        && entry.get(Attribute.GIVEN_NAME).isEmpty()
                        && entry.get(Attribute.SURNAME).isEmpty()) {
                    problems.add(new SourceRead.Problem(found.getDN(), "no display name, given name or surname"));
                } else {
                    entries.add(entry);
                }
            }
            progress.accept(entries.size());
            SimplePagedResultsControl paging;
            try {
                paging = SimplePagedResultsControl.get(result);
            } catch (LDAPException e) {
                throw new SourceException(
                        "bad paged results control from " + settings.endpoint() + ": " + e.getMessage(), e);
            }
            cookie = paging != null && paging.moreResultsToReturn() ? paging.getCookie() : null;
        } while (cookie != null);
        return new SourceRead(entries, problems);
    }

    private String searchFailure(LDAPSearchException e, int readSoFar) {
        ResultCode code = e.getResultCode();
        String detail = e.getDiagnosticMessage() == null ? "" : " (" + e.getDiagnosticMessage() + ")";
        String where = settings.endpoint() + " base " + settings.baseDn();
        if (code == ResultCode.SIZE_LIMIT_EXCEEDED) {
            return "LDAP search of " + where + " hit the server's size limit after " + readSoFar
                    + " entries; lower the page size below the limit" + detail;
        }
        if (code == ResultCode.NO_SUCH_OBJECT) {
            return "LDAP base DN " + settings.baseDn() + " does not exist on " + settings.endpoint() + detail;
        }
        if (code == ResultCode.UNAVAILABLE_CRITICAL_EXTENSION) {
            return "LDAP server " + settings.endpoint() + " does not support paged results (RFC 2696)" + detail;
        }
        if (code == ResultCode.SERVER_DOWN || code == ResultCode.CONNECT_ERROR || code == ResultCode.TIMEOUT) {
            return "LDAP directory " + settings.endpoint() + " went away after " + readSoFar + " entries: " + code
                    + detail;
        }
        return "LDAP search of " + where + " failed after " + readSoFar + " entries: " + code + detail;
    }
}
