package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CqlScriptTest {

    @Test
    void splitsOnSemicolonsAndDropsEmptyStatements() {
        assertThat(CqlScript.statements(
                        "CREATE TABLE a (k int PRIMARY KEY);\n;\n  CREATE TABLE b (k int PRIMARY KEY)  "))
                .containsExactly("CREATE TABLE a (k int PRIMARY KEY)", "CREATE TABLE b (k int PRIMARY KEY)");
    }

    @Test
    void dropsLineAndBlockComments() {
        String script = """
        -- header; with a semicolon
        CREATE TABLE a (k int PRIMARY KEY); // trailing
        /* block; comment
           over lines */
        CREATE TABLE b (k int PRIMARY KEY);
        -- only a comment at the end""";
        assertThat(CqlScript.statements(script))
                .containsExactly("CREATE TABLE a (k int PRIMARY KEY)", "CREATE TABLE b (k int PRIMARY KEY)");
    }

    @Test
    void commentMarkersAndSemicolonsInsideQuotesAreText() {
        String script = "CREATE TABLE a (k int PRIMARY KEY) WITH comment = 'it''s -- not; a comment';"
                + "CREATE TABLE \"Odd;--Name\" (k int PRIMARY KEY);"
                + "CREATE FUNCTION f(x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS $$ return x; // no $$;";
        assertThat(CqlScript.statements(script))
                .containsExactly(
                        "CREATE TABLE a (k int PRIMARY KEY) WITH comment = 'it''s -- not; a comment'",
                        "CREATE TABLE \"Odd;--Name\" (k int PRIMARY KEY)",
                        "CREATE FUNCTION f(x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS $$ return x; // no $$");
    }

    @Test
    void keepsLineBreaksInsideAStatement() {
        assertThat(CqlScript.statements("CREATE TABLE a (\n  k int PRIMARY KEY -- key\n)"))
                .containsExactly("CREATE TABLE a (\n  k int PRIMARY KEY \n)");
    }

    @Test
    void emptyOrCommentOnlyScriptHasNoStatements() {
        assertThat(CqlScript.statements("")).isEmpty();
        assertThat(CqlScript.statements("  -- nothing\n/* at all */ ;\n")).isEmpty();
    }

    @Test
    void unterminatedLiteralIsReportedWithItsLine() {
        assertThatThrownBy(() ->
                        CqlScript.statements("CREATE TABLE a (k int PRIMARY KEY);\nINSERT INTO a (k) VALUES ('x);"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("string literal")
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> CqlScript.statements("/* never closed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block comment");
    }
}
