package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.files.BookFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The address book on a running node: a CSV directory synced on demand through the admin API, the files served
 * to a user over HTTP Digest with ETag / 304, gzip and deltas that bring an old copy to the new version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddressBookNodeTest {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path dir;
    private Path csv;
    private SwitchboardNode node;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("address-book-node-test");
        csv = dir.resolve("people.csv");
        Path rules = dir.resolve("rules.txt");
        Files.writeString(rules, "# Amsterdam\n^0(\\d{9})$ -> +31$1\n");
        Files.writeString(csv, """
                display-name,mail,telephone,department,mobile
                Alice Archer,alice@example.test,020 555 0101,Sales,06 1234 5678
                Carol Clark,carol@example.test,+44 20 7946 0000,Research,
                Dave Dial,dave@example.test,call the desk,Support,
                ,nobody@example.test,,,
                """ + colleagues());
        node = TestNodes.start("address_book_node", """
                switchboard.address-book {
                  source = csv
                  csv.file = "%s"
                  rules-file = "%s"
                  first-sync-delay = 1h
                  sync-interval = 1h
                }
                """.formatted(csv, rules));
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** Forty more people, the same in every version: a delta of a few changes stays under 20% of the full file. */
    private static String colleagues() {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            rows.append("Colleague ")
                    .append(i)
                    .append(",c")
                    .append(i)
                    .append("@example.test,020 555 1")
                    .append(100 + i)
                    .append(",Engineering,\n");
        }
        return rows.toString();
    }

    /** A GET as alice over HTTP Digest (challenge, then the answer), with extra request headers. */
    private HttpResponse<byte[]> asAlice(String target, Map<String, String> headers) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + node.adminPort() + target);
        HttpResponse<byte[]> first =
                HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(first.statusCode()).isEqualTo(401);
        String challenge = first.headers().allValues("WWW-Authenticate").get(0);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header(
                        "Authorization",
                        PresenceUserApiTest.authorization(challenge, "alice", "alice-secret", "GET", target))
                .GET();
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private String syncNow() throws Exception {
        var started = AdminHttp.send(node.adminPort(), "POST", "/api/address-book/sync", TestNodes.TOKEN, null, null);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String status;
        do {
            Thread.sleep(100);
            status = AdminHttp.get(node.adminPort(), "/api/address-book/sync").body();
        } while (status.contains("\"state\":\"running\"") && System.nanoTime() < deadline);
        assertThat(status).contains("\"state\":\"succeeded\"");
        return status;
    }

    @Test
    @Order(1)
    void syncServeAndDelta() throws Exception {
        // before any sync: version 0, no full file
        assertThat(text(asAlice("/user/address-book", Map.of()))).contains("\"version\":0");
        assertThat(asAlice("/user/address-book/full", Map.of()).statusCode()).isEqualTo(404);
        // no credentials, no address book
        assertThat(HTTP.send(
                                HttpRequest.newBuilder(URI.create(
                                                "http://127.0.0.1:" + node.adminPort() + "/user/address-book/full"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(401);

        String first = syncNow();
        // alice, carol, dave from the file, bob from the accounts; the nameless row rejected, dave's number listed
        assertThat(first)
                .contains("\"version\":1", "\"entries\":44", "\"rejected\":1", "\"numbers-not-normalized\":1")
                .contains("line 5: no display name, given name or surname")
                .contains("dave@example.test telephone 'call the desk': not a number");

        HttpResponse<byte[]> full1 = asAlice("/user/address-book/full", Map.of("Accept-Encoding", "gzip"));
        assertThat(full1.statusCode()).isEqualTo(200);
        assertThat(full1.headers().firstValue("Content-Encoding")).contains("gzip");
        BookFiles.Decoded v1 = BookFiles.read(full1.body());
        assertThat(v1.header().version()).isEqualTo(1);
        AddressEntry alice = v1.entries().get("alice@example.test");
        // the account's SIP URI, the directory's other attributes, the number in E.164
        assertThat(alice.values())
                .containsEntry(Attribute.SIP_URI, "sip:alice@example.test")
                .containsEntry(Attribute.TELEPHONE, "+31205550101")
                .containsEntry(Attribute.DEPARTMENT, "Sales")
                .doesNotContainKey(Attribute.MOBILE); // hidden by default: personal numbers are not published
        assertThat(v1.entries().get("sip:bob@example.test").get(Attribute.DISPLAY_NAME))
                .contains("Bob");
        assertThat(v1.entries().get("dave@example.test").get(Attribute.TELEPHONE))
                .isEmpty();

        String etag = full1.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again =
                asAlice("/user/address-book/full", Map.of("Accept-Encoding", "gzip", "If-None-Match", etag));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<byte[]> plain = asAlice("/user/address-book/full", Map.of());
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body()).isEqualTo(BookFiles.gunzip(full1.body()));

        // the directory changes: carol leaves, erin joins, dave's number is fixed
        Files.writeString(csv, """
                display-name,mail,telephone,department,mobile
                Alice Archer,alice@example.test,020 555 0101,Sales,06 1234 5678
                Dave Dial,dave@example.test,020 555 0104,Support,
                Erin Evans,erin@example.test,020 555 0105,Sales,
                """ + colleagues());
        assertThat(syncNow()).contains("\"version\":2", "\"added\":1", "\"changed\":1", "\"removed\":1");
        String manifest = text(asAlice("/user/address-book", Map.of()));
        assertThat(manifest).contains("\"version\":2", "\"deltas\":[{\"from\":1,");

        HttpResponse<byte[]> delta = asAlice("/user/address-book?since=1", Map.of("Accept-Encoding", "gzip"));
        assertThat(BookFiles.read(delta.body()).header().type()).isEqualTo("delta");
        SortedMap<String, AddressEntry> applied = BookFiles.apply(full1.body(), delta.body());
        byte[] full2 = asAlice("/user/address-book/full", Map.of("Accept-Encoding", "gzip"))
                .body();
        assertThat(BookFiles.sha256(applied))
                .isEqualTo(BookFiles.read(full2).header().sha256());
        assertThat(BookFiles.full(2, applied)).isEqualTo(full2);

        assertThat(asAlice("/user/address-book?since=9", Map.of()).statusCode()).isEqualTo(400);
    }

    @Test
    @Order(2)
    void numbersAreNormalizedWithTheConfiguredRules() throws Exception {
        var r = AdminHttp.get(node.adminPort(), "/api/address-book/normalize?number=020%20555%200101%20x12");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("\"normalized\":true", "\"e164\":\"+31205550101\"", "\"extension\":\"12\"", "\"line\":2");
        assertThat(AdminHttp.get(node.adminPort(), "/api/address-book/normalize")
                        .statusCode())
                .isEqualTo(400);
    }

    private record Run(int exit, String out, String err) {}

    private Run cli(String... words) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(words));
        args.addAll(java.util.List.of("--node", "http://127.0.0.1:" + node.adminPort(), "--token", TestNodes.TOKEN));
        int exit;
        try (java.io.PrintStream o = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
                java.io.PrintStream e = new java.io.PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = io.switchboard.node.cli.AdminCli.run(args.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Order(3)
    void theCliSyncsNowWithProgressAndAReportAndNormalizes() throws Exception {
        Files.writeString(
                csv,
                "display-name,mail,telephone,department,mobile\nZed Zulu,zed@example.test,020 555 0199,Sales,\n"
                        + colleagues());
        Run sync = cli("address-book", "sync", "--now");
        assertThat(sync.exit()).as(sync.err()).isZero();
        // not a terminal here: plain progress lines (how many depends on timing), then the report
        assertThat(sync.out())
                .contains("Address book version 3 (was 2)")
                .contains("added 2, changed 0, removed 3") // zed, and alice now by her account only
                .contains("numbers that did not normalize: 0");

        Run normalize = cli("address-book", "normalize", "(020) 555-0101");
        assertThat(normalize.exit()).as(normalize.err()).isZero();
        assertThat(normalize.out()).isEqualTo("+31205550101 (rule at 2: ^0(\\d{9})$ -> +31$1)\n");
        Run noRule = cli("address-book", "normalize", "12345");
        assertThat(noRule.out()).isEqualTo("no rule matched 12345 and it is not E.164\n");

        assertThat(cli("address-book", "sync").exit()).isEqualTo(2);

        Path cases = dir.resolve("cases.txt");
        Files.writeString(cases, "020 555 0101 -> +31205550101\n12345 -> none\n0612 -> +31612\n");
        Run test = cli("address-book", "rules", "test", cases.toString());
        assertThat(test.exit()).isEqualTo(1);
        assertThat(test.out())
                .isEqualTo("line 3: 0612 -> none, expected +31612 (no rule matched 0612 and it is not E.164)\n"
                        + "cases: 2 passed, 1 failed\n");
        Files.writeString(cases, "020 555 0101 -> +31205550101\n");
        assertThat(cli("address-book", "rules", "test", cases.toString()).exit())
                .isZero();

        Run status = cli("address-book", "status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out())
                .startsWith("version 3, 43 entries, 3 files, published ")
                .contains("last sync on this node: succeeded at ")
                .contains("next scheduled sync: ");
        Run show = cli("address-book", "show", "zed");
        assertThat(show.out())
                .isEqualTo("Zed Zulu  +31205550199  zed@example.test  Sales\n1 found (page 1, 50 per page)\n");
    }

    @Test
    @Order(4)
    void usersSearchByNameAndNumber() throws Exception {
        // version 3: Zed Zulu, 020 555 0199, and forty colleagues
        String byName = text(asAlice("/user/address-book/search?q=ZED", Map.of()));
        assertThat(byName).contains("\"total\":1", "\"rank\":\"exact\"", "\"display-name\":\"Zed Zulu\"");
        // a national number prefix is normalized with the rules file's rule
        String byNumber = text(asAlice("/user/address-book/search?q=020%20555%200199", Map.of()));
        assertThat(byNumber).contains("\"total\":1", "\"telephone\":\"+31205550199\"");
        assertThat(text(asAlice("/user/address-book/search?q=colleague&page=1", Map.of())))
                .contains("\"total\":40");
        assertThat(asAlice("/user/address-book/search?q=", Map.of()).statusCode())
                .isEqualTo(400);
        assertThat(asAlice("/user/address-book/search?q=" + "x".repeat(101), Map.of())
                        .statusCode())
                .isEqualTo(400);
        assertThat(AdminHttp.get(node.adminPort(), "/api/address-book/search?q=zed")
                        .body())
                .contains("\"total\":1");

        assertThat(text(asAlice("/user/address-book", Map.of()))).contains("\"version\":3");
        // searches: four here, two refused, and the CLI's show before
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .contains("switchboard_address_book_syncs_total{result=\"succeeded\",} 3.0")
                .contains("switchboard_address_book_syncs_total{result=\"failed\",} 0.0")
                .contains("switchboard_address_book_version 3.0")
                .contains("switchboard_address_book_entries 43.0")
                .contains("switchboard_address_book_searches_total{status=\"200\",} 5.0")
                .contains("switchboard_address_book_searches_total{status=\"400\",} 2.0")
                .contains("switchboard_address_book_search_latency_seconds_count 7.0");
    }

    @Test
    @Order(5)
    void deskPhonesAndVcardsGetTheBookWithoutHiddenNumbers() throws Exception {
        // zed gets a mobile number: hidden by default, so it is in no file, export or search
        Files.writeString(
                csv,
                "display-name,mail,telephone,department,mobile\n"
                        + "Zed Zulu,zed@example.test,020 555 0199,Sales,06 9876 5432\n"
                        + colleagues());
        assertThat(syncNow()).contains("\"state\":\"succeeded\"");

        HttpResponse<byte[]> yealink = asAlice("/user/address-book/phonebook.xml", Map.of());
        assertThat(yealink.statusCode()).isEqualTo(200);
        assertThat(yealink.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/xml"));
        assertThat(text(yealink))
                .startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<YealinkIPPhoneDirectory>")
                .contains("<DirectoryEntry><Name>Zed Zulu</Name><Telephone>+31205550199</Telephone></DirectoryEntry>")
                .contains("<Name>Bob")
                .doesNotContain("+31698765432");
        String etag = yealink.headers().firstValue("ETag").orElseThrow();
        assertThat(asAlice("/user/address-book/phonebook.xml", Map.of("If-None-Match", etag))
                        .statusCode())
                .isEqualTo(304);
        assertThat(text(asAlice("/user/address-book/phonebook.xml?vendor=snom", Map.of())))
                .contains("<tbook complete=\"true\">")
                .contains("<name>Zed Zulu</name><number>+31205550199</number>");
        HttpResponse<byte[]> bad = asAlice("/user/address-book/phonebook.xml?vendor=acme", Map.of());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(text(bad)).contains("vendor must be yealink or snom, not 'acme'");

        HttpResponse<byte[]> vcards = asAlice("/user/address-book/contacts.vcf", Map.of("Accept-Encoding", "gzip"));
        assertThat(vcards.headers().firstValue("Content-Encoding")).contains("gzip");
        String cards = new String(BookFiles.gunzip(vcards.body()), StandardCharsets.UTF_8);
        assertThat(cards)
                .contains("FN:Zed Zulu\r\n", "TEL;VALUE=uri;TYPE=\"work,voice\":tel:+31205550199\r\n")
                .doesNotContain("cell");
        assertThat(cards.split("BEGIN:VCARD", -1)).hasSize(44); // 43 entries

        assertThat(text(asAlice("/user/address-book/search?q=06%209876%205432", Map.of())))
                .contains("\"total\":0");
    }
}
