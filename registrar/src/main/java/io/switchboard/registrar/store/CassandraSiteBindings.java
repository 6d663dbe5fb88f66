package io.switchboard.registrar.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The bindings of one branch site's users, in that site's keyspace, each row keyed by the site that wrote it
 * (table {@code site_bindings}, {@value #SCHEMA}; README "Sites and branches"). Two sites may register the same
 * user: the branch node while its phones reach it, a pool node while they have failed over to the pool. Each
 * site's registrar entity is the one writer of its own rows ({@link #writtenBy}) and sees only those, so its
 * write timestamps (its owner epochs, unrelated to the other site's) never decide between the two sites' writes;
 * lookups read every site's rows of the address of record and merge them ({@link #merged}, {@link #union}).
 *
 * <p>Rows written before the site schema's version 2, in the table {@code bindings} of the same keyspace, were
 * written by the branch node (the pool's writes there were the shared-row problem this class ends). They are read
 * as the branch site's: lookups merge them like any site's rows, the branch's own store loads them as its own and
 * deletes each one it replaces or removes ({@code adoptsLegacy}), and the rest leave by their TTL (a binding lives
 * at most the registrar's maximum expiry). Nothing writes that table any more; it is never dropped (the schema
 * only adds).
 */
public final class CassandraSiteBindings {

    /** Schema resource, applied with a site keyspace's schema (version 2 on). */
    public static final String SCHEMA = "registrar/site_bindings.cql";

    private final CqlSession session;
    private final CassandraBindingStore legacy;
    private final PreparedStatement selectAll;
    private final PreparedStatement selectSite;
    private final PreparedStatement insert;
    private final PreparedStatement delete;

    public CassandraSiteBindings(CqlSession session) {
        this.session = session;
        this.legacy = new CassandraBindingStore(session);
        String columns = "binding_key, contact, call_id, cseq, expires_at, q, instance_id, reg_id, path, "
                + "transport, source_host, source_port, node, flow_token, user_agent, registered_at";
        this.selectAll = session.prepare("SELECT " + columns + " FROM site_bindings WHERE aor = ?");
        this.selectSite = session.prepare("SELECT " + columns + " FROM site_bindings WHERE aor = ? AND site = ?");
        this.insert = session.prepare(
                "INSERT INTO site_bindings (aor, site, binding_key, contact, call_id, cseq, "
                        + "expires_at, q, instance_id, reg_id, path, transport, source_host, source_port, node, flow_token, "
                        + "user_agent, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        this.delete = session.prepare("DELETE FROM site_bindings WHERE aor = ? AND site = ? AND binding_key = ?");
    }

    /**
     * The store of the registrar entities at {@code site}: loads and writes that site's rows only.
     *
     * @param adoptsLegacy whether {@code site} is the branch whose rows the pre-version-2 table holds: its loads
     *                     include them and its writes delete each one they replace or remove
     */
    public BindingStore writtenBy(String site, boolean adoptsLegacy) {
        return new BindingStore() {
            @Override
            public CompletionStage<List<Binding>> load(String aor) {
                CompletionStage<List<Binding>> own = rows(selectSite.bind(aor, site));
                if (!adoptsLegacy) {
                    return own;
                }
                // the site's own row wins over a legacy row of the same key: it was written later
                return legacy.load(aor).thenCombine(own, (old, current) -> union(List.of(old, current)));
            }

            @Override
            public CompletionStage<Void> write(
                    String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
                List<BoundStatement> statements = new ArrayList<>(upserts.size() + removals.size());
                List<BindingKey> touched = new ArrayList<>();
                for (Binding b : upserts) {
                    statements.add(insert.bind(CassandraBindingStore.columns(b, now, aor, site)));
                    touched.add(b.key());
                }
                for (BindingKey key : removals) {
                    statements.add(delete.bind(aor, site, key.value()));
                    touched.add(key);
                }
                if (statements.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
                statements.forEach(batch::addStatement);
                CompletionStage<Void> written =
                        session.executeAsync(stamp.on(batch.build())).thenApply(rs -> null);
                return adoptsLegacy
                        ? written.thenCompose(done -> legacy.write(aor, List.of(), touched, now, stamp))
                        : written;
            }
        };
    }

    /**
     * Every site's bindings of an address of record, merged ({@link #union}), legacy rows included: for lookups
     * (calls, messages, a stranger's probe), which need where the user can be reached now, whoever registered
     * her. Its {@code write} is refused: only a site's registrar entity writes, through {@link #writtenBy}.
     */
    public BindingStore merged() {
        return new BindingStore() {
            @Override
            public CompletionStage<List<Binding>> load(String aor) {
                return legacy.load(aor)
                        .thenCombine(rows(selectAll.bind(aor)), (old, current) -> union(List.of(old, current)));
            }

            @Override
            public CompletionStage<Void> write(
                    String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
                throw new UnsupportedOperationException("lookups only: a site writes its own rows (writtenBy)");
            }
        };
    }

    /**
     * The bindings of several sites (or of a site and its legacy rows) as one list: all of them, except that of
     * two bindings with one key (the same Contact, or the same {@code +sip.instance} and {@code reg-id}: one
     * phone's flow, RFC 5626 section 6) the one refreshed last stands, as a registrar replaces a flow its phone
     * registered again (the phone is where it registered last). A binding keeps its first registration time
     * across refreshes, so "refreshed last" is the later expiry (the same phone asks for the same Expires at
     * either site); equal expiries keep the later first registration. The two expiries come from two sites'
     * clocks, so a skew decides only between two registrations of one phone made within that skew.
     * Rows are never deleted by this: each site's stay its own until its entity removes them or they expire.
     */
    public static List<Binding> union(Collection<List<Binding>> sites) {
        Map<BindingKey, Binding> byKey = new LinkedHashMap<>();
        for (List<Binding> site : sites) {
            for (Binding b : site) {
                byKey.merge(b.key(), b, CassandraSiteBindings::later);
            }
        }
        return List.copyOf(byKey.values());
    }

    private static Binding later(Binding a, Binding b) {
        int byExpiry = compare(a.expiresAt(), b.expiresAt());
        if (byExpiry != 0) {
            return byExpiry > 0 ? a : b;
        }
        return compare(a.registeredAt(), b.registeredAt()) >= 0 ? a : b;
    }

    private static int compare(Instant a, Instant b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        return a.compareTo(b);
    }

    private CompletionStage<List<Binding>> rows(BoundStatement statement) {
        List<Binding> into = new ArrayList<>();
        return session.executeAsync(statement).thenCompose(rs -> collect(rs, into));
    }

    private static CompletionStage<List<Binding>> collect(AsyncResultSet rs, List<Binding> into) {
        for (Row row : rs.currentPage()) {
            into.add(CassandraBindingStore.toBinding(row));
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> collect(next, into));
        }
        return CompletableFuture.completedFuture(into);
    }
}
