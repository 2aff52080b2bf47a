package dev.berth.bench;

import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.worker.images.ImageArtifacts;
import dev.berth.worker.images.TaskImageLoader;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.runtime.docker.DockerContainerRuntime;
import dev.berth.worker.runtime.docker.DockerRuntimeConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Task-image load: Berth's {@link TaskImageLoader} streaming path (the artifact's bytes → zstd-jni → the engine's
 * image load, with the tarball's manifest read on the way) against {@code zstd -dc x.tar.zst | docker load} on the
 * same file. Only the source differs from a real run: the loader reads the local file instead of the queue's HTTP
 * answer, as the CLI does, so both sides do the same work.
 *
 * <p>The image is built here, FROM {@code berth-test/busybox}, with a layer of {@code mb × 0.95} MB of random bytes
 * (incompressible) and half as much {@code seq} text (compressible), so its zstd tarball is about {@code mb} MB and
 * decompression has work to do. Before every load the image is removed from the engine, so each load writes every
 * layer. Berth and the CLI alternate (B,C then C,B), so drift on the machine hits both alike.
 *
 * <p>Options: {@code --mb 100[,1000]} (sizes), {@code --n 5} (loads per side per size), {@code --warmup 1},
 * {@code --keep} (keep the tarballs in {@code bench/target/image-load}).
 */
public final class ImageLoadBenchmark {

    private static final String BASE = "berth-test/busybox:latest";

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(100);
        int n = 5, warmup = 1;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mb" -> sizes = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--n" -> n = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--keep" -> keep = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.println(Machine.describe());
        System.out.println("loadavg before: " + Files.readString(Path.of("/proc/loadavg")).strip());
        Path work = Files.createDirectories(Path.of("bench/target/image-load"));
        try (DockerContainerRuntime docker = new DockerContainerRuntime(DockerRuntimeConfig.localDefault())) {
            for (int mb : sizes) {
                Path tarball = work.resolve("image-" + mb + "mb.tar.zst");
                String tag = "berth-bench/image-load-" + mb + "mb:1";
                try {
                    build(docker, work, tag, mb, tarball);
                    measure(docker, tarball, tag, n, warmup);
                } finally {
                    if (!keep) Files.deleteIfExists(tarball);
                    remove(docker, tag);
                }
            }
        }
        System.out.println("loadavg after: " + Files.readString(Path.of("/proc/loadavg")).strip());
    }

    /** Builds the image, saves it zstd-compressed (level 3, the CLI's default too) to {@code tarball}, removes it. */
    private static void build(DockerContainerRuntime docker, Path work, String tag, int mb, Path tarball) throws IOException {
        if (Files.isRegularFile(tarball)) {
            System.out.printf(Locale.ROOT, "%n== %d MB: reusing %s (%.1f MiB)%n", mb, tarball, Files.size(tarball) / 1048576.0);
            return;
        }
        long random = mb * 950_000L, counted = mb * 500_000L;
        Path context = Files.createDirectories(work.resolve("context-" + mb));
        // unique per build: the engine's build cache must not hand back an old layer
        Files.writeString(context.resolve("Dockerfile"), "FROM " + BASE + "\n"
                + "RUN echo " + UUID.randomUUID() + " > /id && head -c " + random + " /dev/urandom > /random.bin"
                + " && seq 1 100000000 | head -c " + counted + " > /counted.txt\n");
        long t0 = System.nanoTime();
        String id = docker.buildImage(context, tag, line -> {});
        long raw;
        try (InputStream tar = docker.saveImage(tag);
             OutputStream out = new ZstdOutputStream(new BufferedOutputStream(Files.newOutputStream(tarball), 1 << 16), 3)) {
            raw = tar.transferTo(out);
        }
        remove(docker, tag);
        System.out.printf(Locale.ROOT, "%n== %d MB: image %s built and saved in %.1f s: tarball %.1f MiB, zstd %.1f MiB (%s)%n", mb,
                id, (System.nanoTime() - t0) / 1e9, raw / 1048576.0, Files.size(tarball) / 1048576.0, tarball);
    }

    private static void measure(DockerContainerRuntime docker, Path tarball, String tag, int n, int warmup) throws Exception {
        List<Double> berth = new ArrayList<>(), cli = new ArrayList<>();
        for (int i = 0; i < warmup + n; i++) {
            boolean counted = i >= warmup;
            boolean berthFirst = i % 2 == 0;
            for (int side = 0; side < 2; side++) {
                boolean isBerth = (side == 0) == berthFirst;
                double s = isBerth ? loadWithBerth(docker, tarball, i) : loadWithCli(tarball);
                if (!docker.imageExists(tag)) throw new IllegalStateException("the load left no " + tag);
                remove(docker, tag);
                System.out.printf(Locale.ROOT, "  %s %-6s %.2f s%n", counted ? "run" : "warmup", isBerth ? "berth" : "cli", s);
                if (counted) (isBerth ? berth : cli).add(s);
            }
        }
        double b = median(berth), c = median(cli);
        System.out.printf(Locale.ROOT, "result %s: berth median %.2f s (min %.2f), zstd -dc | docker load median %.2f s (min %.2f), "
                        + "ratio %.3f (goal <= 1.1); %.0f MiB/s compressed through berth%n",
                tarball.getFileName(), b, min(berth), c, min(cli), b / c, Files.size(tarball) / 1048576.0 / b);
    }

    /** The worker's path: TaskImageLoader with an artifact source that reads the file (a fresh loader: no cache). */
    private static double loadWithBerth(DockerContainerRuntime docker, Path tarball, int i) throws Exception {
        ImageArtifacts file = new ImageArtifacts() {
            @Override
            public InputStream open(WorkClaim claim, String taskId, String name) throws IOException {
                return Files.newInputStream(tarball);
            }

            @Override
            public InputStream openObject(WorkClaim claim, String name) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String indexedTask(String namespace) {
                throw new UnsupportedOperationException();
            }
        };
        TaskImageLoader loader = new TaskImageLoader(docker, file);
        long t0 = System.nanoTime();
        loader.imageFor(new ImageSpec.TaskImage("bench" + i, "public/image.tar.zst"), null, line -> {});
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double loadWithCli(Path tarball) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("sh", "-c", "zstd -dc -q \"$0\" | docker load", tarball.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("zstd | docker load failed: " + out);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void remove(DockerContainerRuntime docker, String tag) {
        if (docker.imageExists(tag)) docker.removeImage(tag);
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().min(Comparator.naturalOrder()).orElse(Double.NaN);
    }
}
