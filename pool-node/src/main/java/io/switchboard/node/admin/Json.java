package io.switchboard.node.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The admin API's one JSON mapper (Jackson), configured once: what the API writes and the bodies
 * it reads, and the CLI's reading of error answers.
 *
 * <p>Reading is bounded before any field is looked at, so a hostile or broken body is a 400 that
 * says what is wrong rather than a StackOverflowError or a heap full of one string: at most
 * {@value #MAX_DEPTH} levels of nesting, {@value #MAX_DOCUMENT_CHARS} characters in all and
 * {@value #MAX_STRING_CHARS} in one string. The bodies this API takes are a handful of short fields
 * ({@link PresenceApi}, {@link CallSettingsApi}), so the limits cost nothing legitimate. Unknown
 * fields are refused by the callers, naming the fields they know.
 *
 * <p>Writing keeps the shapes the README documents: compact, fields in the order the caller put
 * them (callers pass {@link java.util.LinkedHashMap}s), nulls written as null.
 */
public final class Json {

    /** Deepest nesting a body may have; ours need 2. */
    public static final int MAX_DEPTH = 32;
    /** Longest body, in characters. */
    public static final int MAX_DOCUMENT_CHARS = 1024 * 1024;
    /** Longest string value or field name, in characters. */
    public static final int MAX_STRING_CHARS = 64 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .maxDocumentLength(MAX_DOCUMENT_CHARS)
                            .maxStringLength(MAX_STRING_CHARS)
                            .maxNameLength(MAX_STRING_CHARS)
                            .build())
                    // a body's text stays out of error messages (it may hold a password)
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** A body that is not what the API takes; the message says why, for a 400. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * {@code value} as compact JSON: maps (in their iteration order), lists, strings, numbers,
     * booleans and null.
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code body} as a JSON object, within the limits above; anything else is {@link Invalid}. */
    public static ObjectNode parseObject(String body) throws Invalid {
        if (body.length() > MAX_DOCUMENT_CHARS) {
            // refused before parsing: the parser would stop there too, but only after reading that far
            throw new Invalid("the body is not a JSON object: it has " + body.length() + " characters, at most "
                    + MAX_DOCUMENT_CHARS + " are accepted");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw new Invalid("the body is not a JSON object: " + constraint(e));
        } catch (JsonProcessingException e) {
            throw new Invalid("the body is not a JSON object: " + e.getOriginalMessage() + where(e));
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("the body is not a JSON object: it is " + (root == null ? "empty" : kind(root)));
        }
        return (ObjectNode) root;
    }

    /** The {@code "error"} of an error answer {@code {"error":"..."}}, or null if {@code body} is not one. */
    public static String errorOf(String body) {
        try {
            JsonNode root = MAPPER.readTree(body);
            if (root != null
                    && root.isObject()
                    && root.size() == 1
                    && root.path("error").isTextual()) {
                return root.get("error").textValue();
            }
        } catch (JsonProcessingException e) {
            // not JSON: the caller shows the body as it is
        }
        return null;
    }

    private static String constraint(StreamConstraintsException e) {
        // Jackson names its own setting after the numbers; an API client has no use for it
        return e.getOriginalMessage().replaceAll(",\\s*from `StreamReadConstraints\\.[^`]*`", "");
    }

    private static String where(JsonProcessingException e) {
        if (e instanceof JsonParseException
                && e.getLocation() != null
                && e.getLocation().getLineNr() > 0) {
            return " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
        }
        return "";
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
