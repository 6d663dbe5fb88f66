package io.switchboard.accounts.domain;

import java.util.Objects;
import java.util.function.Function;

/**
 * The outcome of checking operator input: a normalised value or the reason it was refused.
 * Bad input is an expected result here (a typo in an import file), not an exceptional one, so
 * it is returned as a value the caller must look at rather than thrown.
 */
public sealed interface Validation<T> {

    record Valid<T>(T value) implements Validation<T> {
        public Valid {
            Objects.requireNonNull(value, "value");
        }
    }

    /** {@code reason} is meant for the operator: it names the field and what is wrong with it. */
    record Invalid<T>(String reason) implements Validation<T> {
        public Invalid {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static <T> Validation<T> valid(T value) {
        return new Valid<>(value);
    }

    static <T> Validation<T> invalid(String reason) {
        return new Invalid<>(reason);
    }

    default boolean isValid() {
        return this instanceof Valid;
    }

    default <U> Validation<U> map(Function<? super T, ? extends U> f) {
        if (this instanceof Valid<T> v) {
            return valid(f.apply(v.value()));
        }
        return invalid(((Invalid<T>) this).reason());
    }

    default <U> Validation<U> flatMap(Function<? super T, Validation<U>> f) {
        if (this instanceof Valid<T> v) {
            return f.apply(v.value());
        }
        return invalid(((Invalid<T>) this).reason());
    }
}
