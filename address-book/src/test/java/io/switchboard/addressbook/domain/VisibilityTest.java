package io.switchboard.addressbook.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class VisibilityTest {

    @Test
    void theDefaultHidesPersonalNumbersOnly() {
        for (Attribute a : Attribute.values()) {
            assertThat(Visibility.DEFAULT.shows(a)).as(a.key()).isEqualTo(a != Attribute.MOBILE && a != Attribute.HOME);
        }
    }

    @Test
    void keysAreReadAndBadOnesNamed() {
        assertThat(Visibility.hiding(List.of(" title ", "office")).hidden())
                .containsExactlyInAnyOrder(Attribute.TITLE, Attribute.OFFICE);
        assertThat(Visibility.hiding(List.of()).hidden()).isEmpty();
        assertThatThrownBy(() -> Visibility.hiding(List.of("mobile", "pager")))
                .hasMessageStartingWith("'pager' is not an address book attribute; they are display-name, ");
    }

    @Test
    void whatIdentifiesAnEntryCannotBeHidden() {
        for (String key : List.of("display-name", "sip-uri", "mail")) {
            assertThatThrownBy(() -> Visibility.hiding(List.of(key)))
                    .as(key)
                    .hasMessage(key + " cannot be hidden (display-name, mail, sip-uri are always published)");
        }
    }
}
