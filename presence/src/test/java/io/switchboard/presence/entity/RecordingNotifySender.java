package io.switchboard.presence.entity;

import io.switchboard.presence.domain.NotifyOutcome;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Test fake of {@link NotifySender}: records every NOTIFY and answers with the outcomes the test
 * queued ({@link #answerNext}), else {@link NotifyOutcome#DELIVERED}.
 */
final class RecordingNotifySender implements NotifySender {

    private final List<Notify> sent = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<NotifyOutcome> script = new ConcurrentLinkedQueue<>();
    private volatile Consumer<Notify> onSend = n -> {};

    void answerNext(NotifyOutcome... outcomes) {
        script.addAll(List.of(outcomes));
    }

    void onSend(Consumer<Notify> listener) {
        this.onSend = listener;
    }

    List<Notify> sent() {
        return List.copyOf(sent);
    }

    List<Notify> sent(String localTag) {
        return sent.stream().filter(n -> n.dialog().localTag().equals(localTag)).toList();
    }

    Notify last(String localTag) {
        List<Notify> l = sent(localTag);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    @Override
    public CompletionStage<NotifyOutcome> send(Notify notify) {
        sent.add(notify);
        onSend.accept(notify);
        NotifyOutcome outcome = script.poll();
        return CompletableFuture.completedFuture(outcome == null ? NotifyOutcome.DELIVERED : outcome);
    }
}
