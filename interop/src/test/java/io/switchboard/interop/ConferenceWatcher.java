package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestPhone;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A conference-info subscriber (RFC 4575, RFC 4579 section 6) over a {@link TestPhone}: SUBSCRIBE with
 * {@code Event: conference} and digest, then a reader thread that answers every NOTIFY in the dialog
 * with 200 (to the NOTIFY's Via: whichever node sent it) and keeps the roster the documents describe,
 * applied in version order as section 4.6 says: a full document replaces everything, a partial one must
 * be exactly one version higher and replaces each user it names (its endpoints {@code disconnected}
 * are gone). Every NOTIFY is kept for the test (dialog, CSeq, version).
 */
final class ConferenceWatcher implements AutoCloseable {

    /** One endpoint as the documents show it: its user, the user's role, its status. */
    record Endpoint(String user, String role, String status) {}

    /** A NOTIFY as received: From tag, CSeq, version, full or partial, the sending node's port, state. */
    record Notify(String fromTag, long cseq, long version, boolean full, int viaPort, String state, String body) {}

    final TestPhone phone;
    final String callId = UUID.randomUUID() + "@conf-watcher";
    final String tag = TestPhone.newTag();
    String focusTag;

    private final Map<String, Endpoint> endpoints = new TreeMap<>();
    private boolean locked;
    private long version;
    private final List<Notify> notifies = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    private ConferenceWatcher(TestPhone phone) {
        this.phone = phone;
        this.reader = new Thread(this::read, "conference-watcher-" + phone.user);
        this.reader.setDaemon(true);
    }

    /** Subscribes as {@code phone}'s user to {@code conferenceUri}; fails unless 200. */
    static ConferenceWatcher subscribe(TestPhone phone, String conferenceUri) throws IOException {
        ConferenceWatcher w = new ConferenceWatcher(phone);
        TestPhone.Msg ok = phone.authenticated(
                "SUBSCRIBE",
                conferenceUri,
                w.callId,
                w.tag,
                List.of("Event: conference", "Accept: application/conference-info+xml", "Expires: 600"),
                "",
                "",
                phone.user,
                phone.user + "-secret");
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        w.focusTag = TestPhone.tagOf(ok.header("to"));
        w.reader.start();
        return w;
    }

    private void read() {
        while (!closed) {
            TestPhone.Msg n;
            try {
                n = phone.await(
                        m -> m.isRequest() && m.method().equals("NOTIFY") && callId.equals(m.callId()),
                        Duration.ofSeconds(1));
            } catch (IOException nothingYet) {
                continue;
            }
            try {
                phone.sendToVia(n, ok(n));
            } catch (IOException e) {
                synchronized (this) {
                    errors.add("200 to NOTIFY not sent: " + e);
                }
            }
            apply(n);
        }
    }

    private synchronized void apply(TestPhone.Msg n) {
        String body = n.body();
        try {
            Document doc = DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
            Element info = doc.getDocumentElement();
            long v = Long.parseLong(info.getAttribute("version"));
            boolean full = info.getAttribute("state").equals("full");
            Matcher via = Pattern.compile("SIP/2.0/UDP [^:]+:(\\d+)").matcher(n.header("via"));
            notifies.add(new Notify(
                    TestPhone.tagOf(n.header("from")),
                    TestPhone.seqOf(n),
                    v,
                    full,
                    via.find() ? Integer.parseInt(via.group(1)) : -1,
                    n.header("subscription-state"),
                    body));
            if (full) {
                if (v <= version) {
                    errors.add("full document version " + v + " not above " + version);
                }
                endpoints.clear();
            } else if (v != version + 1) {
                errors.add("partial document version " + v + " after " + version + " (a gap)");
            }
            version = v;
            for (Element state : children(info, "conference-state")) {
                for (Element l : children(state, "locked")) {
                    locked = Boolean.parseBoolean(l.getTextContent().trim());
                }
            }
            for (Element users : children(info, "users")) {
                for (Element user : children(users, "user")) {
                    String entity = user.getAttribute("entity");
                    endpoints.values().removeIf(e -> e.user().equals(entity)); // each user is sent whole
                    if (user.getAttribute("state").equals("deleted")) {
                        continue;
                    }
                    String role = "";
                    for (Element roles : children(user, "roles")) {
                        for (Element entry : children(roles, "entry")) {
                            role = entry.getTextContent().trim();
                        }
                    }
                    for (Element endpoint : children(user, "endpoint")) {
                        String status = "";
                        for (Element s : children(endpoint, "status")) {
                            status = s.getTextContent().trim();
                        }
                        if (!status.equals("disconnected")) {
                            endpoints.put(endpoint.getAttribute("entity"), new Endpoint(entity, role, status));
                        }
                    }
                }
            }
        } catch (Exception e) {
            errors.add("unreadable NOTIFY body (" + e + "): " + body);
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList all = parent.getChildNodes();
        for (int i = 0; i < all.getLength(); i++) {
            Node c = all.item(i);
            if (c instanceof Element e && (name.equals(e.getLocalName()) || name.equals(e.getTagName()))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The endpoints by entity as the documents so far show them. */
    synchronized Map<String, Endpoint> endpoints() {
        return Map.copyOf(endpoints);
    }

    synchronized boolean locked() {
        return locked;
    }

    synchronized List<Notify> notifies() {
        return List.copyOf(notifies);
    }

    synchronized Notify last() {
        return notifies.isEmpty() ? null : notifies.get(notifies.size() - 1);
    }

    /** Problems seen: versions out of order, bodies that do not parse, answers not sent. */
    synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    synchronized String describe() {
        return phone.user + " v" + version + " locked=" + locked + " " + endpoints;
    }

    /** A 200 to a NOTIFY. */
    static String ok(TestPhone.Msg request) {
        StringBuilder b = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : request.all("via")) {
            b.append("Via: ").append(via).append("\r\n");
        }
        b.append("From: ").append(request.header("from")).append("\r\n");
        b.append("To: ").append(request.header("to")).append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    @Override
    public void close() {
        closed = true;
        phone.close();
    }
}
