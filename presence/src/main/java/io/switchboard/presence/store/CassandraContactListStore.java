package io.switchboard.presence.store;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Contact lists in the table of {@value #SCHEMA_RESOURCE}: one partition per owner, one row per
 * contact. Statements are prepared once, in the constructor, and idempotent (upsert of all
 * columns, delete, read), so the driver may retry them. The schema is applied by the caller at
 * startup ({@code CassandraSessions.applySchema(session, CassandraContactListStore.class,
 * CassandraContactListStore.SCHEMA_RESOURCE)}).
 */
public final class CassandraContactListStore implements ContactListStore {

    public static final String SCHEMA_RESOURCE = "io/switchboard/presence/store/contact_lists.cql";

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement delete;

    /** Prepares the statements (blocking: call at startup) against {@code contact_lists} in {@code keyspace}. */
    public CassandraContactListStore(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".contact_lists";
        this.insert = prepare("INSERT INTO " + table + " (owner, uri, display_name, groups) VALUES (?, ?, ?, ?)");
        this.select = prepare("SELECT uri, display_name, groups FROM " + table + " WHERE owner = ?");
        this.delete = prepare("DELETE FROM " + table + " WHERE owner = ? AND uri = ?");
    }

    /** Uses the session's keyspace ({@code CassandraSessions.connect} sets one). */
    public static CassandraContactListStore forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraContactListStore(session, keyspace);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    @Override
    public CompletionStage<ContactList> load(String owner) {
        List<Contact> contacts = new ArrayList<>();
        return session.executeAsync(select.bind(owner))
                .thenCompose(rs -> collect(rs, contacts))
                .thenApply(done -> new ContactList(owner, contacts));
    }

    /** Reads every page, so the list is whole whatever page size the session is configured with. */
    private static CompletionStage<Void> collect(AsyncResultSet rs, List<Contact> into) {
        for (Row row : rs.currentPage()) {
            String name = row.getString("display_name");
            into.add(new Contact(row.getString("uri"), name == null ? "" : name, row.getList("groups", String.class)));
        }
        return rs.hasMorePages()
                ? rs.fetchNextPage().thenCompose(next -> collect(next, into))
                : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> put(String owner, Contact contact, WriteStamp stamp) {
        return session.executeAsync(
                        stamp.on(insert.bind(owner, contact.uri(), contact.displayName(), contact.groups())))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> remove(String owner, String uri, WriteStamp stamp) {
        return session.executeAsync(stamp.on(delete.bind(owner, uri))).thenApply(rs -> null);
    }
}
