package dev.berth.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import java.io.Closeable;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images this runtime has seen on the engine, so that a run does not inspect its image again on its critical
 * path. Trusted only while the engine's event stream of image events is open: any image {@code delete} or
 * {@code untag} (an operator's {@code docker rmi}/{@code image prune}, a test removing an image) forgets every
 * image at once, and while the stream is down (engine restarting, stream broken) nothing is remembered, so each
 * run asks the engine as before. The stream is opened on first use and reopened after a pause when it ends.
 *
 * <p>An event can trail the removal by the time it takes to arrive; a run that meets a removed image in that
 * moment fails its create with "No such image", which {@link DockerContainerRuntime#createContainer} takes as a
 * reason to forget, look (pull) again and create once more.
 */
final class ImagePresence implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ImagePresence.class);

    /** Pause before the event stream is opened again after it ended or failed. */
    static final Duration REOPEN_AFTER = Duration.ofSeconds(2);

    private final DockerClient docker;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    /** Moves at every forgetting: what was asked of the engine before it may be stale. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;
    private volatile boolean opening;
    private volatile boolean closed;
    private volatile Closeable stream;
    private boolean warned; // guarded by this

    ImagePresence(DockerClient docker) {
        this.docker = docker;
    }

    /** Whether {@code image} is known present: seen, and no image removed since, by an open event stream. */
    boolean knownPresent(String image) {
        openIfNeeded();
        return listening && seen.contains(image);
    }

    /** Whether the event stream is open (images seen present are trusted). */
    boolean listening() {
        openIfNeeded();
        return listening;
    }

    /** The moment before asking the engine; pass it to {@link #seenPresent}. */
    long before() {
        return generation.get();
    }

    /** The engine said {@code image} is there, when asked at {@code before}; remembered unless an image went since. */
    void seenPresent(String image, long before) {
        if (!listening) return;
        seen.add(image);
        // an image removed while we asked: what we saw may be gone already
        if (generation.get() != before) seen.remove(image);
    }

    /** Forgets every image (one was removed, or may have been). */
    void forgetAll() {
        generation.incrementAndGet();
        seen.clear();
    }

    private void openIfNeeded() {
        if (listening || opening || closed) return;
        synchronized (this) {
            if (listening || opening || closed) return;
            opening = true;
        }
        try {
            docker.eventsCmd().withEventTypeFilter(EventType.IMAGE).exec(new ResultCallback.Adapter<Event>() {
                @Override
                public void onStart(Closeable closeable) {
                    super.onStart(closeable);
                    stream = closeable;
                    // images removed while the stream was away are not known: start from nothing
                    forgetAll();
                    listening = true;
                    opening = false;
                    synchronized (ImagePresence.this) {
                        if (warned) LOG.info("the engine's image events are followed again: image checks are cached again");
                        warned = false;
                    }
                }

                @Override
                public void onNext(Event event) {
                    String action = event.getAction();
                    if (action == null || action.startsWith("delete") || action.startsWith("untag")) forgetAll();
                }

                @Override
                public void onError(Throwable e) {
                    ended("failed: " + e);
                }

                @Override
                public void onComplete() {
                    ended("ended");
                }
            });
        } catch (RuntimeException e) {
            ended("could not be opened: " + e);
        }
    }

    private void ended(String how) {
        listening = false;
        forgetAll();
        if (closed) return;
        synchronized (this) {
            if (!warned) {
                LOG.warn("the engine's image event stream {}; every run inspects its image until it is back", how);
                warned = true;
            }
        }
        // opened again on a later use, after a pause so that an engine away is not asked in a loop
        Thread.ofVirtual().name("berth-image-events-reopen").start(() -> {
            try {
                Thread.sleep(REOPEN_AFTER.toMillis());
            } catch (InterruptedException ignored) {
                // closing
            }
            opening = false;
        });
    }

    @Override
    public void close() {
        closed = true;
        listening = false;
        Closeable s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (java.io.IOException | RuntimeException e) {
                LOG.debug("closing the image event stream: {}", e.toString());
            }
        }
    }
}
