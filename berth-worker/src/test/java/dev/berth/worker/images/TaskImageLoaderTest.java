package dev.berth.worker.images;

import static dev.berth.worker.images.TarManifestScannerTest.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.worker.payload.ImageSpec;
import dev.berth.worker.queue.WorkClaim;
import dev.berth.worker.runtime.ContainerRuntime;
import dev.berth.worker.runtime.ContainerRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TaskImageLoaderTest {

    private static final String CONFIG = "b".repeat(64);
    private static final String ONE_IMAGE = "[{\"Config\":\"" + CONFIG + ".json\",\"RepoTags\":[\"x:1\"],\"Layers\":[]}]";

    /** The engine side: what was loaded, and which images it holds. */
    private final Set<String> engineImages = new HashSet<>();
    private final AtomicInteger loads = new AtomicInteger();
    private CountDownLatch loadGate = new CountDownLatch(0);
    private final ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                case "loadImage" -> {
                    loadGate.await();
                    byte[] bytes = ((InputStream) args[0]).readAllBytes();
                    if (bytes.length < 512) throw new ContainerRuntimeException("unexpected EOF", null);
                    loads.incrementAndGet();
                    engineImages.add("sha256:" + CONFIG);
                    yield null;
                }
                case "imageExists" -> engineImages.contains((String) args[0]);
                default -> throw new UnsupportedOperationException(method.getName());
            });

    /** The queue side: artifacts by "taskId/name", and how often each was opened. */
    private final Map<String, byte[]> artifacts = new HashMap<>();
    private final Map<String, String> index = new HashMap<>();
    private final AtomicInteger opens = new AtomicInteger();
    private IOException queueDown;
    private final ImageArtifacts source = new ImageArtifacts() {
        @Override
        public InputStream open(WorkClaim claim, String taskId, String name) throws IOException {
            if (queueDown != null) throw queueDown;
            opens.incrementAndGet();
            byte[] b = artifacts.get(taskId + "/" + name);
            if (b == null) throw new Refused("task " + taskId + " has no artifact " + name);
            return new ByteArrayInputStream(b);
        }

        @Override
        public InputStream openObject(WorkClaim claim, String name) {
            throw new Refused("no objects here");
        }

        @Override
        public String indexedTask(String namespace) {
            String t = index.get(namespace);
            if (t == null) throw new Refused("nothing is indexed at " + namespace);
            return t;
        }
    };
    private final TaskImageLoader loader = new TaskImageLoader(runtime, source);
    private final List<String> log = new ArrayList<>();

    private static byte[] zstd(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(plain);
        }
        return out.toByteArray();
    }

    private String load(String taskId, String path) throws Exception {
        return loader.imageFor(new ImageSpec.TaskImage(taskId, path), null, log::add);
    }

    @Test
    void aZstdTaskImageIsLoadedOnceAndItsIdIsTheConfigDigest() throws Exception {
        artifacts.put("T1/public/image.tar.zst", zstd(tar("manifest.json", ONE_IMAGE, "layer.tar", "x".repeat(10_000))));
        assertThat(load("T1", "public/image.tar.zst")).isEqualTo("sha256:" + CONFIG);
        assertThat(load("T1", "public/image.tar.zst")).isEqualTo("sha256:" + CONFIG);
        assertThat(opens).hasValue(1);
        assertThat(loads).hasValue(1);
        assertThat(log).anyMatch(l -> l.contains("is loaded already"));
    }

    @Test
    void runsAskingAtOnceWaitForOneLoad() throws Exception {
        artifacts.put("T1/public/image.tar", tar("manifest.json", ONE_IMAGE));
        loadGate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) ids.add(pool.submit(() -> load("T1", "public/image.tar")));
            Thread.sleep(200); // all four are asking while the first load is held
            loadGate.countDown();
            for (Future<String> f : ids) assertThat(f.get()).isEqualTo("sha256:" + CONFIG);
        } finally {
            pool.shutdownNow();
        }
        assertThat(opens).hasValue(1);
    }

    @Test
    void anImageRemovedFromTheEngineSinceIsLoadedAgain() throws Exception {
        artifacts.put("T1/public/image.tar", tar("manifest.json", ONE_IMAGE));
        load("T1", "public/image.tar");
        engineImages.clear();
        load("T1", "public/image.tar");
        assertThat(opens).hasValue(2);
    }

    @Test
    void anIndexedImageIsTheImageOfTheIndexedTask() throws Exception {
        artifacts.put("T9/public/image.tar", tar("manifest.json", ONE_IMAGE));
        index.put("docker.images.v2.level-1.app.latest", "T9");
        assertThat(loader.imageFor(new ImageSpec.IndexedImage("docker.images.v2.level-1.app.latest", "public/image.tar"), null, log::add))
                .isEqualTo("sha256:" + CONFIG);
        assertThatThrownBy(() -> loader.imageFor(new ImageSpec.IndexedImage("nothing.here", "public/image.tar"), null, log::add))
                .isInstanceOf(TaskImageLoader.Failure.class).hasMessageContaining("nothing is indexed at nothing.here")
                .matches(e -> ((TaskImageLoader.Failure) e).tasksFault());
    }

    @Test
    void whatIsTheTasksFaultAndWhatIsNot() throws Exception {
        String two = "[{\"Config\":\"" + CONFIG + ".json\"},{\"Config\":\"" + "c".repeat(64) + ".json\"}]";
        artifacts.put("T/two.tar", tar("manifest.json", two));
        artifacts.put("T/nomanifest.tar", tar("layer.tar", "x".repeat(600)));
        artifacts.put("T/text", "hello".getBytes());
        assertTasksFault("T", "missing.tar", "has no artifact missing.tar");
        assertTasksFault("T", "two.tar", "exactly one image");
        assertTasksFault("T", "nomanifest.tar", "not a docker save tarball");
        assertTasksFault("T", "text", "not an image the engine can load");

        queueDown = new IOException("connection refused");
        assertThatThrownBy(() -> load("T", "two.tar")).isInstanceOf(TaskImageLoader.Failure.class)
                .hasMessageContaining("could not be read from the queue").matches(e -> !((TaskImageLoader.Failure) e).tasksFault());
    }

    private void assertTasksFault(String taskId, String path, String message) {
        assertThatThrownBy(() -> load(taskId, path)).isInstanceOf(TaskImageLoader.Failure.class).hasMessageContaining(message)
                .matches(e -> ((TaskImageLoader.Failure) e).tasksFault(), "the task's fault");
    }
}
