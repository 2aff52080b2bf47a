package dev.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.core.BerthException;
import dev.berth.core.store.BlobStore;
import dev.berth.store.blob.LocalBlobStore;
import dev.berth.store.blob.S3BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where artifact bytes live: {@code local} (files under artifactDir, the default) or {@code s3} (a bucket of
 * any S3-compatible store; workers and readers then move the bytes to and from it through presigned URLs).
 *
 * <pre>
 * artifactStore: s3          # BERTH_ARTIFACT_STORE (local | s3)
 * s3:
 *   endpoint: https://...    # BERTH_S3_ENDPOINT (path-style requests go there)
 *   bucket: berth-artifacts  # BERTH_S3_BUCKET (created when missing)
 *   region: us-east-1        # BERTH_S3_REGION
 *   accessKey: ...           # BERTH_S3_ACCESS_KEY
 *   secretKey: ...           # BERTH_S3_SECRET_KEY
 * </pre>
 */
public record ArtifactStoreConfig(String kind, S3BlobStore.Settings s3) {

    public static final ArtifactStoreConfig LOCAL = new ArtifactStoreConfig("local", null);

    static ArtifactStoreConfig load(Map<String, String> env, JsonNode file) {
        String kind = pick(env, "BERTH_ARTIFACT_STORE", file, "artifactStore", "local");
        if (kind.equals("local")) return LOCAL;
        if (!kind.equals("s3")) throw BerthException.input("artifactStore must be local or s3; got '" + kind + "'");
        JsonNode s3 = file == null ? null : file.get("s3");
        String endpoint = required(env, "BERTH_S3_ENDPOINT", s3, "endpoint");
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw BerthException.input("s3.endpoint must be a URL; got '" + endpoint + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw BerthException.input("s3.endpoint must be an http(s) URL; got '" + endpoint + "'");
        }
        return new ArtifactStoreConfig("s3", new S3BlobStore.Settings(uri,
                required(env, "BERTH_S3_BUCKET", s3, "bucket"),
                pick(env, "BERTH_S3_REGION", s3, "region", "us-east-1"),
                required(env, "BERTH_S3_ACCESS_KEY", s3, "accessKey"),
                required(env, "BERTH_S3_SECRET_KEY", s3, "secretKey")));
    }

    /** Opens the store; the caller closes it if it is {@link AutoCloseable}. */
    BlobStore open(Path artifactDir) {
        if (s3 != null) return S3BlobStore.open(s3);
        try {
            return new LocalBlobStore(artifactDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use artifact directory " + artifactDir, e);
        }
    }

    @Override
    public String toString() {
        return s3 == null ? "local" : s3.toString();
    }

    private static String required(Map<String, String> env, String envName, JsonNode node, String key) {
        String v = pick(env, envName, node, key, null);
        if (v == null || v.isBlank()) {
            throw BerthException.input("artifactStore s3 needs s3." + key + " (or " + envName + ")");
        }
        return v;
    }

    private static String pick(Map<String, String> env, String envName, JsonNode node, String key, String fallback) {
        String v = env.get(envName);
        if (v != null && !v.isBlank()) return v.trim();
        if (node != null && node.hasNonNull(key)) return node.get(key).asText();
        return fallback;
    }
}
