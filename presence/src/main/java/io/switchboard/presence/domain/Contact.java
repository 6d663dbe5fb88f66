package io.switchboard.presence.domain;

import java.util.List;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public record Contact(String uri, String displayName, List<String> groups) {
}
