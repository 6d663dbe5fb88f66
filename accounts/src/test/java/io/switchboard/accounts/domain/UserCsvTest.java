package io.switchboard.accounts.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UserCsvTest {

    private static final UserCsv CSV = new UserCsv(new AccountRules(List.of("example.test")));
    private static final String A = "sip:alice@example.test";
    private static final String B = "sip:bob@example.test";

    /**
     * Each expectation is "line ok aor" or "line bad reason-fragment", one per data row, so a
     * table row shows at a glance which lines survive.
     */
    static Stream<Arguments> files() {
        return Stream.of(
                Arguments.of(
                        "LF line ends",
                        "uri,password,display_name,phone\n" + A + ",correct horse,Alice,+4930123\n" + B
                                + ",battery staple,,\n",
                        List.of("2 ok " + A, "3 ok " + B)),
                Arguments.of(
                        "CRLF line ends, no final line break",
                        "uri,password\r\n" + A + ",correct horse\r\n" + B + ",battery staple",
                        List.of("2 ok " + A, "3 ok " + B)),
                Arguments.of(
                        "lone CR line ends",
                        "uri,password\r" + A + ",correct horse\r" + B + ",battery staple\r",
                        List.of("2 ok " + A, "3 ok " + B)),
                Arguments.of(
                        "columns in any order, optional ones left out",
                        "phone,password,uri\n+4930123,correct horse," + A + "\n",
                        List.of("2 ok " + A)),
                Arguments.of(
                        "header names are case- and space-insensitive, BOM skipped",
                        "\uFEFF URI , Password ,Display_Name\n" + A + ",correct horse,Alice\n",
                        List.of("2 ok " + A)),
                Arguments.of(
                        "blank lines skipped anywhere, line numbers stay physical",
                        "\n\nuri,password\n\n" + A + ",correct horse\n   \n\r\n" + B + ",battery staple\n\n",
                        List.of("5 ok " + A, "8 ok " + B)),
                Arguments.of(
                        "quoted fields with commas and doubled quotes",
                        "uri,password,display_name\n\"" + A + "\",\"a,b\"\"c\"\"d!\",\"Liddell, Alice \"\"Al\"\"\"\n",
                        List.of("2 ok " + A)),
                Arguments.of(
                        "a quoted line break counts for the following rows' line numbers",
                        "uri,password,display_name\n" + A + ",correct horse,\"Alice\nLiddell\"\n" + B
                                + ",battery staple,Bob\n",
                        List.of("2 bad display name contains a control character (U+000A)", "4 ok " + B)),
                Arguments.of(
                        "too many and too few fields",
                        "uri,password\n" + A + ",correct horse,extra\n" + B + "\n",
                        List.of("2 bad row has 3 fields, the header has 2", "3 bad row has 1 field, the header has 2")),
                Arguments.of(
                        "a quote inside an unquoted field spoils only its row",
                        "uri,password\n" + A + ",correct \"horse\"\n" + B + ",battery staple\n",
                        List.of("2 bad quote inside unquoted field 2", "3 ok " + B)),
                Arguments.of(
                        "text after a closing quote spoils only its row",
                        "uri,password\n\"" + A + "\"x,correct horse\n" + B + ",battery staple\n",
                        List.of("2 bad text after the closing quote of field 1", "3 ok " + B)),
                Arguments.of(
                        "an unclosed quote runs to the end of the file",
                        "uri,password\n" + A + ",correct horse\n" + B + ",\"battery\nstaple\n",
                        List.of("2 ok " + A, "3 bad quoted field starting on line 3 is never closed")),
                Arguments.of(
                        "a repeated account is reported against the first one",
                        "uri,password\n" + A + ",correct horse\nsips:alice@EXAMPLE.TEST,other password\n",
                        List.of("2 ok " + A, "3 bad same account " + A + " as line 2")),
                Arguments.of(
                        "account rules apply per row",
                        "uri,password,phone\nsip:carol@elsewhere.test,correct horse,\n" + A + ",short,\n" + B
                                + ",battery staple,12345\n",
                        List.of("2 bad not served", "3 bad at least 8 characters", "4 bad phone must be E.164")),
                Arguments.of(
                        "a row with a missing required value",
                        "uri,password\n" + A + ",\n,battery staple\n",
                        List.of("2 bad password is missing", "3 bad uri is missing")),
                Arguments.of("header only", "uri,password\n", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void reportsEveryRowByLine(String name, String text, List<String> expected) {
        UserCsv.Result result = CSV.parse(text);

        assertThat(result).isInstanceOf(UserCsv.Parsed.class);
        List<UserCsv.Row> rows = ((UserCsv.Parsed) result).rows();
        assertThat(rows).hasSameSizeAs(expected);
        for (int i = 0; i < rows.size(); i++) {
            String[] want = expected.get(i).split(" ", 3);
            UserCsv.Row row = rows.get(i);
            assertThat(row.line()).as("line of row %d", i).isEqualTo(Integer.parseInt(want[0]));
            if (want[1].equals("ok")) {
                assertThat(row.outcome()).as("row at line %d", row.line()).isInstanceOf(Validation.Valid.class);
                assertThat(((Validation.Valid<AccountDraft>) row.outcome())
                                .value()
                                .address()
                                .aor())
                        .isEqualTo(want[2]);
            } else {
                assertThat(row.outcome()).as("row at line %d", row.line()).isInstanceOf(Validation.Invalid.class);
                assertThat(((Validation.Invalid<AccountDraft>) row.outcome()).reason())
                        .contains(want[2]);
            }
        }
    }

    static Stream<Arguments> rejectedFiles() {
        return Stream.of(
                Arguments.of("", "the file is empty"),
                Arguments.of("\n  \r\n\n", "the file is empty"),
                Arguments.of("uri,password,notes\n", "line 1: unknown column \"notes\""),
                Arguments.of("uri,password,dispaly_name\n", "unknown column \"dispaly_name\""),
                Arguments.of("uri,password,URI\n", "column uri appears twice"),
                Arguments.of(
                        "\nuri,display_name\n" + A + ",Alice\n",
                        "line 2: the header lacks the required column password"),
                Arguments.of("password,phone\n", "lacks the required column uri"),
                Arguments.of("uri,\"password\n", "line 1: header: quoted field starting on line 1 is never closed"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("rejectedFiles")
    void rejectsFilesWithoutAUsableHeader(String text, String reasonFragment) {
        UserCsv.Result result = CSV.parse(text);

        assertThat(result).isInstanceOf(UserCsv.Rejected.class);
        assertThat(((UserCsv.Rejected) result).reason()).contains(reasonFragment);
    }

    @Test
    void fieldValuesAreUnquotedExactly() {
        String text = "uri,password,display_name,phone\r\n" + "\"" + A
                + "\",\"a,b\"\"c\"\"d!\",\"  Liddell, Alice \"\"Al\"\"\",\"+49 30-123\"\r\n";

        UserCsv.Parsed parsed = (UserCsv.Parsed) CSV.parse(text);

        assertThat(parsed.invalid()).isEmpty();
        AccountDraft draft = parsed.valid().get(0);
        assertThat(draft.displayName()).isEqualTo("Liddell, Alice \"Al\"");
        assertThat(draft.phone()).isEqualTo("+4930123");
        // the password is only observable through its HA1
        assertThat(draft.toAccount(Instant.EPOCH).ha1(DigestAlgorithm.MD5))
                .contains(DigestAlgorithm.MD5.ha1("alice", "example.test", "a,b\"c\"d!"));
    }

    @Test
    void validAndInvalidSplitTheRowsForTheImporter() {
        String text = "uri,password\n" + A + ",correct horse\n" + B + ",short\n";

        UserCsv.Parsed parsed = (UserCsv.Parsed) CSV.parse(text);

        List<String> imported = new ArrayList<>();
        parsed.valid().forEach(d -> imported.add(d.address().aor()));
        assertThat(imported).containsExactly(A);
        assertThat(parsed.invalid()).extracting(UserCsv.Row::line).containsExactly(3);
    }

    @Test
    void anOptionalSiteColumnHomesEachUserEmptyMeaningThePool() {
        UserCsv csv = new UserCsv(new AccountRules(List.of("example.test"), "hq", List.of("ams", "nyc")));
        String text = "uri,password,site\n" + A + ",correct horse,AMS\n" + B + ",correct horse,\n"
                + "sip:carol@example.test,correct horse,hq\n" + "sip:dave@example.test,correct horse,paris\n";

        UserCsv.Parsed parsed = (UserCsv.Parsed) csv.parse(text);

        assertThat(parsed.valid()).extracting(AccountDraft::homeSite).containsExactly("ams", "", "");
        assertThat(parsed.invalid()).hasSize(1);
        assertThat(parsed.invalid().get(0).line()).isEqualTo(5);
        assertThat(((Validation.Invalid<AccountDraft>) parsed.invalid().get(0).outcome()).reason())
                .isEqualTo("site paris is not configured (sites: hq, ams, nyc)");
    }
}
