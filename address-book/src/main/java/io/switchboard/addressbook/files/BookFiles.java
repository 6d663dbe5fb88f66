package io.switchboard.addressbook.files;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.BookDiff;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The address book's files: gzip-compressed JSON lines (one JSON object per line, UTF-8, each line ending in
 * "\n"), the first line a header.
 *
 * <pre>
 * full:  {"format":"switchboard-address-book/1","type":"full","version":7,"count":2,"sha256":"9f86..."}
 *        {"id":"cn=alice,ou=people,dc=example,dc=com","display-name":"Alice Archer","mail":"alice@example.com",...}
 *        {"id":"sip:bob@example.com","display-name":"Bob","sip-uri":"sip:bob@example.com"}
 * delta: {"format":"switchboard-address-book/1","type":"delta","from":6,"version":7,"count":2,"sha256":"9f86...",
 *         "adds":1,"changes":0,"removes":1}
 *        {"op":"add","id":"sip:bob@example.com","display-name":"Bob","sip-uri":"sip:bob@example.com"}
 *        {"op":"remove","id":"cn=carol,ou=people,dc=example,dc=com"}
 * </pre>
 *
 * Entries are in id order; an entry's fields are {@code id} then the attributes present, in {@link Attribute}
 * order, under their keys. {@code sha256} is the hex SHA-256 of the full file's entry lines (everything after
 * the header line, uncompressed) of the version the file brings a client to, and {@code count} that version's
 * number of entries: a client that applied a delta hashes its entries the same way and compares. A delta's
 * "change" line carries the whole new entry. Writing is deterministic (fixed field order, gzip header without
 * a time stamp), so the same entries always give the same bytes.
 */
public final class BookFiles {

    public static final String FORMAT = "switchboard-address-book/1";
    private static final JsonFactory JSON = new JsonFactory();

    private BookFiles() {}

    /** A file's first line. {@code from} is 0 and the counts of operations are 0 in a full file. */
    public record Header(
            String type, long from, long version, long count, String sha256, int adds, int changes, int removes) {
        public boolean isFull() {
            return type.equals("full");
        }
    }

    /** A file read back: a full file's entries, or a delta's operations ({@code diff}). */
    public record Decoded(Header header, SortedMap<String, AddressEntry> entries, BookDiff diff) {}

    /** A file that is not one of ours, or does not add up. */
    public static final class BadFile extends RuntimeException {
        public BadFile(String message) {
            super(message);
        }
    }

    public static byte[] full(long version, SortedMap<String, AddressEntry> entries) {
        byte[] body = body(entries);
        Header header = new Header("full", 0, version, entries.size(), sha256Hex(body), 0, 0, 0);
        return gzip(headerLine(header), body);
    }

    /** The delta from version {@code from} to {@code version}, whose entries are {@code after}. */
    public static byte[] delta(long from, long version, BookDiff diff, SortedMap<String, AddressEntry> after) {
        StringBuilder lines = new StringBuilder();
        for (AddressEntry e : diff.adds()) {
            lines.append(entryLine("add", e)).append('\n');
        }
        for (AddressEntry e : diff.changes()) {
            lines.append(entryLine("change", e)).append('\n');
        }
        for (String id : diff.removes()) {
            lines.append(json(g -> {
                        g.writeStartObject();
                        g.writeStringField("op", "remove");
                        g.writeStringField("id", id);
                        g.writeEndObject();
                    }))
                    .append('\n');
        }
        Header header = new Header(
                "delta",
                from,
                version,
                after.size(),
                sha256(after),
                diff.adds().size(),
                diff.changes().size(),
                diff.removes().size());
        return gzip(headerLine(header), lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The delta from a version to itself: no operations (what a client that is up to date gets). */
    public static byte[] emptyDelta(long version, long count, String sha256) {
        return gzip(headerLine(new Header("delta", version, version, count, sha256, 0, 0, 0)), new byte[0]);
    }

    /** The hash a full file of these entries carries in its header. */
    public static String sha256(SortedMap<String, AddressEntry> entries) {
        return sha256Hex(body(entries));
    }

    /** Full(n) from full(n-1) and the delta n-1 to n; BadFile when they do not fit or the result's hash is wrong. */
    public static SortedMap<String, AddressEntry> apply(byte[] fullFile, byte[] deltaFile) {
        Decoded full = read(fullFile);
        Decoded delta = read(deltaFile);
        if (!full.header().isFull() || delta.header().isFull()) {
            throw new BadFile("expected a full file and a delta");
        }
        if (delta.header().from() != full.header().version()) {
            throw new BadFile("the delta is from version " + delta.header().from() + ", the full file is version "
                    + full.header().version());
        }
        SortedMap<String, AddressEntry> after = delta.diff().apply(full.entries());
        String hash = sha256(after);
        if (!hash.equals(delta.header().sha256())
                || after.size() != delta.header().count()) {
            throw new BadFile(
                    "after the delta the entries hash to " + hash + " (" + after.size() + " entries), the delta says "
                            + delta.header().sha256() + " (" + delta.header().count() + ")");
        }
        return after;
    }

    public static Decoded read(byte[] file) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(file)), StandardCharsets.UTF_8))) {
            String first = in.readLine();
            if (first == null) {
                throw new BadFile("empty file");
            }
            Header header = parseHeader(first);
            SortedMap<String, AddressEntry> entries = new TreeMap<>();
            List<AddressEntry> adds = new ArrayList<>();
            List<AddressEntry> changes = new ArrayList<>();
            List<String> removes = new ArrayList<>();
            MessageDigest body = sha256Digest();
            String line;
            while ((line = in.readLine()) != null) {
                Line parsed = parseLine(line);
                if (header.isFull()) {
                    body.update((line + "\n").getBytes(StandardCharsets.UTF_8));
                    entries.put(parsed.entry().id(), parsed.entry());
                } else {
                    switch (parsed.op()) {
                        case "add" -> adds.add(parsed.entry());
                        case "change" -> changes.add(parsed.entry());
                        case "remove" -> removes.add(parsed.entry().id());
                        default -> throw new BadFile("unknown op " + parsed.op());
                    }
                }
            }
            if (header.isFull()
                    && (!HexFormat.of().formatHex(body.digest()).equals(header.sha256())
                            || entries.size() != header.count())) {
                throw new BadFile("full file's entries do not match its header's sha256 and count");
            }
            return new Decoded(header, entries, new BookDiff(adds, changes, removes));
        } catch (IOException e) {
            throw new BadFile("not a gzip address book file: " + e.getMessage());
        }
    }

    /** The uncompressed content (for clients that did not ask for gzip). */
    public static byte[] gunzip(byte[] file) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BadFile("not gzip: " + e.getMessage());
        }
    }

    public static byte[] gzip(byte[] content) {
        return gzip(new byte[0], content);
    }

    private static byte[] body(SortedMap<String, AddressEntry> entries) {
        StringBuilder lines = new StringBuilder();
        for (AddressEntry e : entries.values()) {
            lines.append(entryLine(null, e)).append('\n');
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String entryLine(String op, AddressEntry entry) {
        return json(g -> {
            g.writeStartObject();
            if (op != null) {
                g.writeStringField("op", op);
            }
            g.writeStringField("id", entry.id());
            for (Map.Entry<Attribute, String> v : entry.values().entrySet()) {
                g.writeStringField(v.getKey().key(), v.getValue());
            }
            g.writeEndObject();
        });
    }

    private static byte[] headerLine(Header h) {
        return (json(g -> {
                            g.writeStartObject();
                            g.writeStringField("format", FORMAT);
                            g.writeStringField("type", h.type());
                            if (!h.isFull()) {
                                g.writeNumberField("from", h.from());
                            }
                            g.writeNumberField("version", h.version());
                            g.writeNumberField("count", h.count());
                            g.writeStringField("sha256", h.sha256());
                            if (!h.isFull()) {
                                g.writeNumberField("adds", h.adds());
                                g.writeNumberField("changes", h.changes());
                                g.writeNumberField("removes", h.removes());
                            }
                            g.writeEndObject();
                        })
                        + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Header parseHeader(String line) {
        Map<String, String> fields = new TreeMap<>();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadFile("header is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                fields.put(name, p.getValueAsString());
            }
        } catch (IOException e) {
            throw new BadFile("bad header: " + e.getMessage());
        }
        if (!FORMAT.equals(fields.get("format"))) {
            throw new BadFile("not a " + FORMAT + " file");
        }
        try {
            return new Header(
                    fields.getOrDefault("type", ""),
                    Long.parseLong(fields.getOrDefault("from", "0")),
                    Long.parseLong(fields.get("version")),
                    Long.parseLong(fields.get("count")),
                    fields.get("sha256"),
                    Integer.parseInt(fields.getOrDefault("adds", "0")),
                    Integer.parseInt(fields.getOrDefault("changes", "0")),
                    Integer.parseInt(fields.getOrDefault("removes", "0")));
        } catch (RuntimeException e) {
            throw new BadFile("bad header: " + line);
        }
    }

    private record Line(String op, AddressEntry entry) {}

    private static Line parseLine(String line) {
        String op = null;
        String id = null;
        EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadFile("line is not a JSON object: " + line);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                String value = p.getValueAsString();
                switch (name) {
                    case "op" -> op = value;
                    case "id" -> id = value;
                    // attributes a later format adds are skipped, not refused
                    default -> Attribute.byKey(name).ifPresent(a -> values.put(a, value));
                }
            }
        } catch (IOException e) {
            throw new BadFile("bad line: " + line);
        }
        if (id == null) {
            throw new BadFile("line without id: " + line);
        }
        return new Line(op, new AddressEntry(id, values));
    }

    private interface Writing {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Writing writing) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writing.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static byte[] gzip(byte[] first, byte[] rest) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rest.length / 4 + 64);
        try (OutputStream out = new GZIPOutputStream(bytes, 64 * 1024)) {
            out.write(first);
            out.write(rest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }
}
