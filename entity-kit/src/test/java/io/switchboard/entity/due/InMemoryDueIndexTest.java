package io.switchboard.entity.due;

/** The test fake honours the contract, so unit tests that use it mean what they say. */
class InMemoryDueIndexTest extends DueIndexContract {

    private final InMemoryDueIndex index = new InMemoryDueIndex();
    private int n;

    @Override
    DueIndex index() {
        return index;
    }

    @Override
    String type() {
        return "type-" + (++n);
    }
}
