package dev.berth.worker.run;

import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSummary;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes containers a previous life of this worker left behind (a crash between create and
 * remove). Run once at start, before claiming: those runs are lost anyway, the queue resolves them
 * claim-expired. Only containers labelled with this worker's id are touched, so several workers can
 * share one engine.
 */
public final class LeftoverCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(LeftoverCleaner.class);

    private final ContainerRuntime runtime;

    public LeftoverCleaner(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    /** @return how many containers were removed */
    public int removeLeftovers(String workerId) {
        return removeLeftovers(workerId, c -> false);
    }

    /** How many of the worker's containers {@code which} accepts. */
    public long count(String workerId, java.util.function.Predicate<ContainerSummary> which) {
        return runtime.listContainers(Map.of(ContainerRuntime.LABEL_MANAGED, "true", ContainerRuntime.LABEL_WORKER_ID, workerId))
                .stream().filter(which).count();
    }

    /**
     * Removes the worker's containers except those {@code keep} names (runs still in progress).
     *
     * @return how many containers were removed
     */
    public int removeLeftovers(String workerId, java.util.function.Predicate<ContainerSummary> keep) {
        List<ContainerSummary> leftovers = runtime.listContainers(Map.of(
                ContainerRuntime.LABEL_MANAGED, "true",
                ContainerRuntime.LABEL_WORKER_ID, workerId));
        int removed = 0;
        for (ContainerSummary c : leftovers) {
            if (keep.test(c)) continue;
            try {
                runtime.removeContainer(c.id());
                removed++;
                LOG.info("removed leftover container {} (task {}, run {})", c.id(),
                        c.labels().get(ContainerRuntime.LABEL_TASK_ID), c.labels().get(ContainerRuntime.LABEL_RUN_ID));
            } catch (RuntimeException e) {
                LOG.warn("could not remove leftover container {}: {}", c.id(), e.toString());
            }
        }
        return removed;
    }

    /**
     * Removes the worker's run networks except those whose labels {@code keep} accepts (runs in progress).
     * A network still in use is refused by the engine and tried again on a later round.
     *
     * @return how many networks were removed
     */
    public int removeLeftoverNetworks(String workerId, java.util.function.Predicate<Map<String, String>> keep) {
        int removed = 0;
        for (dev.berth.worker.runtime.TaskNetwork n : runtime.listNetworks(Map.of(
                ContainerRuntime.LABEL_MANAGED, "true", ContainerRuntime.LABEL_WORKER_ID, workerId))) {
            if (keep.test(n.labels())) continue;
            try {
                runtime.removeNetwork(n.id());
                removed++;
                LOG.info("removed leftover network {} (task {}, run {})", n.name(),
                        n.labels().get(ContainerRuntime.LABEL_TASK_ID), n.labels().get(ContainerRuntime.LABEL_RUN_ID));
            } catch (RuntimeException e) {
                LOG.warn("could not remove leftover network {}: {}", n.name(), e.toString());
            }
        }
        return removed;
    }
}
