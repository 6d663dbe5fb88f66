package io.switchboard.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin API's JSON: the shapes it writes, and the limits on what it reads. */
class JsonTest {

    @Test
    void writes_compact_json_in_the_callers_field_order() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("mode", "no-answer");
        inner.put("afterSeconds", 25L);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", "quote \" backslash \\ newline \n tab \t");
        m.put("a", null);
        m.put("q", 0.5);
        m.put("ok", true);
        m.put("list", List.of("x", "y"));
        m.put("forward", inner);
        assertThat(Json.write(m))
                .isEqualTo(
                        "{\"z\":\"quote \\\" backslash \\\\ newline \\n tab \\t\",\"a\":null,"
                                + "\"q\":0.5,\"ok\":true,\"list\":[\"x\",\"y\"],\"forward\":{\"mode\":\"no-answer\",\"afterSeconds\":25}}");
    }

    @Test
    void reads_an_object() throws Exception {
        assertThat(Json.parseObject("{\"level\":\"workgroup\"}").get("level").textValue())
                .isEqualTo("workgroup");
    }

    @Test
    void a_100000_deep_body_is_refused_without_a_stack_overflow() {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertThatThrownBy(() -> Json.parseObject(deep))
                .isInstanceOf(Json.Invalid.class)
                .hasMessageStartingWith("the body is not a JSON object: ")
                .hasMessageContaining("nesting depth")
                .hasMessageContaining("(32)")
                .hasMessageNotContaining("StreamReadConstraints");
        String deepObjects = "{\"a\":".repeat(33) + "1" + "}".repeat(33);
        assertThatThrownBy(() -> Json.parseObject(deepObjects))
                .isInstanceOf(Json.Invalid.class)
                .hasMessageContaining("nesting depth");
        String deepEnough = "{\"a\":".repeat(32) + "1" + "}".repeat(32);
        assertThat(catching(deepEnough)).isNull();
    }

    @Test
    void long_strings_and_bodies_are_refused() {
        assertThatThrownBy(() -> Json.parseObject("{\"a\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}"))
                .isInstanceOf(Json.Invalid.class)
                .hasMessageContaining("at most " + Json.MAX_DOCUMENT_CHARS);
        assertThatThrownBy(() -> Json.parseObject("{\"a\":\"" + "x".repeat(Json.MAX_STRING_CHARS + 1) + "\"}"))
                .isInstanceOf(Json.Invalid.class)
                .hasMessageContaining("String value length")
                .hasMessageContaining("(" + Json.MAX_STRING_CHARS + ")");
        char[] name = new char[Json.MAX_STRING_CHARS + 1];
        Arrays.fill(name, 'n');
        assertThatThrownBy(() -> Json.parseObject("{\"" + new String(name) + "\":1}"))
                .isInstanceOf(Json.Invalid.class)
                .hasMessageContaining("exceeds the maximum allowed (" + Json.MAX_STRING_CHARS + ")");
    }

    @Test
    void what_is_not_one_object_is_refused_saying_what_it_is() {
        List<String> messages = new ArrayList<>();
        for (String body : List.of("[1,2]", "\"x\"", "3", "null", "not json", "{\"a\":1} {\"b\":2}", "{\"a\":")) {
            Json.Invalid e = catching(body);
            assertThat(e).as(body).isNotNull();
            messages.add(e.getMessage());
        }
        assertThat(messages).allSatisfy(m -> assertThat(m).startsWith("the body is not a JSON object: "));
        assertThat(messages.get(0)).endsWith("it is an array");
        assertThat(messages.get(4)).contains("Unrecognized token 'not'").contains("line 1, column");
    }

    @Test
    void error_answers_are_read_back_as_their_message() {
        assertThat(Json.errorOf(Json.write(Map.of("error", "line 2: \"x\"\nbad"))))
                .isEqualTo("line 2: \"x\"\nbad");
        assertThat(Json.errorOf("{\"error\":\"a\",\"more\":1}")).isNull();
        assertThat(Json.errorOf("plain text")).isNull();
    }

    private static Json.Invalid catching(String body) {
        try {
            Json.parseObject(body);
            return null;
        } catch (Json.Invalid e) {
            return e;
        }
    }
}
