package dev.berth.worker.queue;

import dev.berth.client.BerthApiException;
import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.core.auth.TemporaryCredentials;
import dev.berth.worker.images.ImageArtifacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Task images over the HTTP client: artifacts read with the run's credentials, the index read without any. */
public final class ClientImageArtifacts implements ImageArtifacts {

    private final BerthClient client;
    private final BerthClient anonymous;

    public ClientImageArtifacts(BerthClient client) {
        this.client = client;
        // the index is public in Taskcluster (the anonymous role reads it); a worker's own scopes need not cover it
        this.anonymous = new BerthClient(client.rootUrl(), null);
    }

    private BerthClient asRun(WorkClaim claim) {
        TemporaryCredentials c = claim == null ? null : claim.credentials();
        return c == null ? client : client.withCredentials(new Credentials(c.clientId(), c.accessToken(), c.certificate()));
    }

    @Override
    public InputStream openObject(WorkClaim claim, String name) throws IOException {
        try {
            return asRun(claim).openStream("object", BerthClient.path("/download/<name>", name));
        } catch (BerthApiException e) {
            switch (e.statusCode()) {
                case 404 -> throw new Refused("there is no object " + name + " (" + e.getMessage() + ")");
                case 403 -> throw new Refused("the task may not download object " + name + ": " + e.getMessage());
                default -> throw new IOException(e.getMessage(), e);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public InputStream open(WorkClaim claim, String taskId, String name) throws IOException {
        try {
            return asRun(claim).openStream("queue", BerthClient.path("/task/<taskId>/artifacts/<name>", taskId, name));
        } catch (BerthApiException e) {
            switch (e.statusCode()) {
                case 404 -> throw new Refused("task " + taskId + " has no artifact " + name + " on its latest run (" + e.getMessage() + ")");
                case 403 -> throw new Refused("the task may not read " + name + " of task " + taskId + ": " + e.getMessage());
                case 424 -> throw new Refused("artifact " + name + " of task " + taskId + " is an error artifact: " + e.getMessage());
                default -> throw new IOException(e.getMessage(), e);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public String indexedTask(String namespace) throws IOException {
        try {
            return anonymous.index().findTask(namespace).path("taskId").asText();
        } catch (BerthApiException e) {
            if (e.statusCode() == 404 || e.statusCode() == 400) throw new Refused("nothing is indexed at " + namespace + " (" + e.getMessage() + ")");
            throw new IOException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
