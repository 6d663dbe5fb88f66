package io.switchboard.storage.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Drops the test keyspaces on the shared {@link TestCassandra} node after each top-level test class (not after a
 * nested one, whose outer class is still running). Registered for every module that uses this test-jar by its
 * {@code META-INF/services} entry. It relies on test classes running one after another in a JVM, which is how
 * Surefire runs them here (no parallel execution is configured).
 */
public final class DropTestKeyspaces implements TestExecutionListener {

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        boolean topLevelClass =
                test.getSource().filter(ClassSource.class::isInstance).isPresent()
                        && test.getUniqueIdObject().getSegments().size() == 2; // [engine, class]
        if (topLevelClass) {
            TestCassandra.dropKeyspaces();
        }
    }
}
