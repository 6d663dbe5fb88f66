package io.switchboard.addressbook.numbers;

import java.util.regex.Pattern;

/** The one test of what counts as a normalized number: ITU-T E.164, written as '+', then 1 to 15 digits, the first not 0. */
public final class E164 {

    private static final Pattern FORM = Pattern.compile("\\+[1-9][0-9]{0,14}");

    private E164() {}

    public static boolean isValid(String number) {
        return number != null && FORM.matcher(number).matches();
    }
}
