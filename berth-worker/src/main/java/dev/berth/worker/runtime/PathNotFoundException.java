package dev.berth.worker.runtime;

/** Nothing exists at a path inside a container. */
public class PathNotFoundException extends ContainerRuntimeException {

    private final String path;

    public PathNotFoundException(String path, Throwable cause) {
        super(Kind.NOT_FOUND, "no such file or directory in the container: " + path, cause);
        this.path = path;
    }

    public String path() { return path; }
}
