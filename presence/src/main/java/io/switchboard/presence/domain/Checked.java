package io.switchboard.presence.domain;

import java.util.List;
import java.util.function.Function;

/**
 * The outcome of checking an edit: the value to use, or every reason it cannot be used, each
 * reason starting with the field it is about ({@code uri}, {@code name}, {@code groups}, ...).
 */
public sealed interface Checked<T> permits Checked.Ok, Checked.Invalid {

    record Ok<T>(T value) implements Checked<T> {}

    record Invalid<T>(List<String> reasons) implements Checked<T> {
        public Invalid {
            reasons = List.copyOf(reasons);
            if (reasons.isEmpty()) {
                throw new IllegalArgumentException("an Invalid needs at least one reason");
            }
        }

        /** All reasons in one line, for a 400 answer or a log. */
        public String reason() {
            return String.join("; ", reasons);
        }

        @SuppressWarnings("unchecked")
        <U> Invalid<U> cast() {
            return (Invalid<U>) this;
        }
    }

    static <T> Checked<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Checked<T> invalid(String reason) {
        return new Invalid<>(List.of(reason));
    }

    default <U> Checked<U> flatMap(Function<T, Checked<U>> next) {
        if (this instanceof Ok<T> ok) {
            return next.apply(ok.value());
        }
        return ((Invalid<T>) this).cast();
    }
}
