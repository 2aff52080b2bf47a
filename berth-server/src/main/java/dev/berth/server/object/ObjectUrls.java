package dev.berth.server.object;

import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectService;
import dev.berth.server.queue.UploadTokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The URLs objects' bytes move through: the blob store's presigned URLs when it has them (S3), else this
 * server's data route with a short-lived token bound to the object's name and upload id, the role a presigned
 * URL plays.
 */
public final class ObjectUrls {

    private final ObjectService objects;
    private final UploadTokens uploadTokens;
    private final UploadTokens downloadTokens;
    private final String rootUrl;

    public ObjectUrls(ObjectService objects, UploadTokens tokens, String rootUrl) {
        this.objects = objects;
        this.uploadTokens = tokens.withPurpose("object-upload");
        this.downloadTokens = tokens.withPurpose("object-download");
        this.rootUrl = rootUrl;
    }

    public String putUrl(ObjectRecord o, Duration validFor) {
        return objects.directUploadUrl(o, validFor).map(Object::toString)
                .orElseGet(() -> dataUrl(o) + "?token=" + uploadTokens.issue(o.uploadId(), 0, o.name(), validFor));
    }

    public String getUrl(ObjectRecord o, Duration validFor) {
        return objects.directDownloadUrl(o, validFor).map(Object::toString)
                .orElseGet(() -> dataUrl(o) + "?token=" + downloadTokens.issue(o.uploadId(), 0, o.name(), validFor));
    }

    boolean uploadTokenValid(String token, ObjectRecord o) {
        return uploadTokens.valid(token, o.uploadId(), 0, o.name());
    }

    boolean downloadTokenValid(String token, ObjectRecord o) {
        return downloadTokens.valid(token, o.uploadId(), 0, o.name());
    }

    /** The name as one path segment: its slashes encoded too, as taskcluster-client sends names. */
    private String dataUrl(ObjectRecord o) {
        return rootUrl + ObjectApi.PREFIX + "/data/" + URLEncoder.encode(o.name(), StandardCharsets.UTF_8).replace("+", "%20");
    }
}
