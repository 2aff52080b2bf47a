package dev.berth.worker.payload;

/** Where a task's image comes from, or ({@link Build}) the image the task makes. */
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

    /** Not an image to run: the task builds image {@code name} from the folder in object {@code context} and uploads it. */
    record Build(String context, String name) implements ImageSpec {
        @Override
        public String describe() { return "image build of " + name; }
    }
}
