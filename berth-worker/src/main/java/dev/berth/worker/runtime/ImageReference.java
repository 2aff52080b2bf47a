package dev.berth.worker.runtime;

/**
 * A registry image reference split into the parts the engine API wants.
 *
 * @param registry the registry host, {@code docker.io} when the name has none
 * @param repository the name without tag or digest, as written (e.g. {@code berth-test/busybox})
 * @param tag the tag, or null when a digest is given
 * @param digest {@code sha256:...}, or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    public static final String DOCKER_HUB = "docker.io";

    /** Parses {@code [registry/]path[:tag][@digest]}; no tag and no digest means {@code :latest}. */
    public static ImageReference parse(String image) {
        if (image == null || image.isBlank()) throw new IllegalArgumentException("empty image name");
        String rest = image.trim();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        // a colon after the last slash is a tag; before it, a registry port
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (tag == null && digest == null) tag = "latest";
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            // Docker's rule: the first component is a registry host if it looks like one
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) registry = first;
        }
        return new ImageReference(registry, rest, tag, digest);
    }

    /** The full reference with the tag made explicit, e.g. {@code busybox:latest}. */
    public String canonical() {
        return repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
