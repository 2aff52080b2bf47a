package dev.berth.bench;

import dev.berth.worker.runtime.ContainerExit;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerSpec;
import dev.berth.worker.runtime.ExitWatch;
import dev.berth.worker.runtime.OutputStreamHandle;
import dev.berth.worker.runtime.ResourceLimits;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The worker's container path alone, in one process, the two ways alternating container by container (so a
 * machine whose load drifts weighs on both alike): a container running {@code true} from just before its start to
 * its exit code in hand.
 * <ul>
 *   <li>after-start: start, follow the output, then wait (not-running) and inspect, as the worker did before issue 13</li>
 *   <li>watch: a next-exit wait registered before the start, the code taken from its answer (the worker now)</li>
 * </ul>
 * Options: {@code --image IMG} (berth/busybox:latest), {@code --n N} (40), {@code --warmup W} (5).
 */
public final class ExitPathBenchmark {

    public static void main(String[] args) throws Exception {
        String image = "berth/busybox:latest";
        int n = 40, warmup = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--image" -> image = args[++i];
                case "--n" -> n = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.println("# Berth worker exit path (ExitPathBenchmark)");
        System.out.println(Machine.describe());
        System.out.println("image: " + image + "; start -> exit code of a container running true, " + n + " of each, alternating");
        List<Double> old = new ArrayList<>(), watch = new ArrayList<>();
        try (DockerContainerRuntime runtime = new DockerContainerRuntime(DockerRuntimeConfig.localDefault())) {
            runtime.ensureImage(image);
            for (int i = 0; i < warmup + n; i++) {
                boolean watchFirst = i % 2 == 0;
                double a = watchFirst ? watched(runtime, image) : afterStart(runtime, image);
                double b = watchFirst ? afterStart(runtime, image) : watched(runtime, image);
                if (i < warmup) continue;
                (watchFirst ? watch : old).add(a);
                (watchFirst ? old : watch).add(b);
            }
        }
        print("after-start wait + inspect", old);
        print("wait registered before start", watch);
        System.out.printf(Locale.ROOT, "difference of medians (watch - after-start): %+.1f ms%n",
                EndToEndBenchmark.percentile(watch, 50) - EndToEndBenchmark.percentile(old, 50));
    }

    private static void print(String what, List<Double> xs) {
        System.out.printf(Locale.ROOT, "%-30s: median %7.1f ms  p90 %7.1f ms  min %7.1f ms%n", what,
                EndToEndBenchmark.percentile(xs, 50), EndToEndBenchmark.percentile(xs, 90), EndToEndBenchmark.min(xs));
    }

    private static ContainerSpec spec(String image) {
        return new ContainerSpec(image, List.of("true"), Map.of(), Map.of(ContainerRuntime.LABEL_WORKER_ID, "bench-exit-path"),
                new ResourceLimits(512L << 20, 0, 1024), null, null, List.of());
    }

    /** The pre-issue-13 path: the wait and an inspect after the start. */
    private static double afterStart(DockerContainerRuntime runtime, String image) throws Exception {
        String id = runtime.createContainer(spec(image));
        try {
            long t0 = System.nanoTime();
            runtime.startContainer(id);
            try (OutputStreamHandle out = runtime.followOutput(id, b -> { })) {
                Optional<ContainerExit> exit = runtime.awaitExit(id, Duration.ofSeconds(60));
                if (exit.isEmpty()) throw new IllegalStateException("no exit");
                runtime.inspect(id); // what awaitExit asked before for every exit
                long t1 = System.nanoTime();
                out.awaitEnd(Duration.ofSeconds(10));
                return (t1 - t0) / 1e6;
            }
        } finally {
            runtime.removeContainer(id);
        }
    }

    private static double watched(DockerContainerRuntime runtime, String image) throws Exception {
        String id = runtime.createContainer(spec(image));
        try {
            long t0 = System.nanoTime();
            try (ExitWatch watch = runtime.watchExit(id)) {
                runtime.startContainer(id);
                try (OutputStreamHandle out = runtime.followOutput(id, b -> { })) {
                    Optional<ContainerExit> exit = watch.await(Duration.ofSeconds(60));
                    if (exit.isEmpty()) throw new IllegalStateException("no exit");
                    long t1 = System.nanoTime();
                    out.awaitEnd(Duration.ofSeconds(10));
                    return (t1 - t0) / 1e6;
                }
            }
        } finally {
            runtime.removeContainer(id);
        }
    }
}
