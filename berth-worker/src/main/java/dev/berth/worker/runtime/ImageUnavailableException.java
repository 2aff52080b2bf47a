package dev.berth.worker.runtime;

/**
 * The image a task asks for cannot be had. {@link #doesNotExist()} tells a name that the registry
 * does not know (a mistake in the task, retrying cannot help) from a pull that failed for another
 * reason (registry unreachable, credentials refused, disk full).
 */
public class ImageUnavailableException extends ContainerRuntimeException {

    private final String image;
    private final boolean doesNotExist;

    public ImageUnavailableException(String image, boolean doesNotExist, String message, Throwable cause) {
        super(doesNotExist ? Kind.NOT_FOUND : Kind.UNAVAILABLE, message, cause);
        this.image = image;
        this.doesNotExist = doesNotExist;
    }

    public String image() { return image; }

    public boolean doesNotExist() { return doesNotExist; }
}
