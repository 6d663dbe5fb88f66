package io.switchboard.presence.domain;

/**
 * The caps that bound what one watcher, one presentity and one source address can make the
 * presence server hold and send ({@code switchboard.presence.limits.*}). Each refusal is counted
 * by the cap's name ({@link #DIALOGS_PER_WATCHER} and so on) in the node's metrics.
 *
 * @param dialogsPerWatcher     live subscription dialogs one watcher AOR may hold (a resource list
 *                              or contact list is one dialog)
 * @param watchersPerPresentity distinct watchers one presentity keeps informed
 * @param newDialogsPerSecond   new SUBSCRIBEs (dialogs and fetches) one source address may start
 *                              per second, per node, on average
 * @param newDialogsBurst       how many of those it may start at once (the token bucket's size)
 */
public record PresenceLimits(
        int dialogsPerWatcher, int watchersPerPresentity, double newDialogsPerSecond, int newDialogsBurst) {

    public static final PresenceLimits DEFAULTS = new PresenceLimits(200, 2000, 100, 1000);
    /** No practical limit (unit tests of other rules). */
    public static final PresenceLimits NONE =
            new PresenceLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, 1e9, Integer.MAX_VALUE);

    public static final String DIALOGS_PER_WATCHER = "dialogs-per-watcher";
    public static final String WATCHERS_PER_PRESENTITY = "watchers-per-presentity";
    public static final String NEW_DIALOGS_PER_SOURCE = "new-dialogs-per-source";

    public PresenceLimits {
        if (dialogsPerWatcher < 1 || watchersPerPresentity < 1 || newDialogsBurst < 1 || !(newDialogsPerSecond > 0)) {
            throw new IllegalArgumentException("presence limits must be positive");
        }
    }
}
