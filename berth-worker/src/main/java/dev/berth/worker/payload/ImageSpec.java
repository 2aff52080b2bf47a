package dev.berth.worker.payload;

/** Where a task's image comes from. Only {@link RegistryImage} can be run so far. */
public sealed interface ImageSpec {

    /** A short description for log lines. */
    String describe();

    /** An image from a registry, e.g. {@code ubuntu:24.04} or {@code registry.example.com/team/img@sha256:...}. */
    record RegistryImage(String name) implements ImageSpec {
        @Override
        public String describe() { return name; }
    }

    /** An image saved as an artifact ({@code .tar} or {@code .tar.zst}) of another task. */
    record TaskImage(String taskId, String path) implements ImageSpec {
        @Override
        public String describe() { return "task-image " + taskId + "/" + path; }
    }

    /** An image artifact of the task an index namespace points at. */
    record IndexedImage(String namespace, String path) implements ImageSpec {
        @Override
        public String describe() { return "indexed-image " + namespace + "/" + path; }
    }
}
