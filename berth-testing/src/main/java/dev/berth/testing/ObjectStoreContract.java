package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.object.ObjectRecord;
import dev.berth.core.object.ObjectStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ObjectStore} adapter must have; {@link #newStore()} gives one over an empty database. */
public abstract class ObjectStoreContract {

    protected final MutableClock clock = new MutableClock();
    protected ObjectStore store;

    protected abstract ObjectStore newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    protected ObjectRecord upload(String name, String uploadId) {
        Instant now = clock.instant();
        return new ObjectRecord(name, "proj", uploadId, false, now.plus(Duration.ofDays(7)), now.plus(Duration.ofDays(1)),
                "objects/" + uploadId, null, -1, Map.of(), now);
    }

    @Test
    void anInsertedUploadIsFoundWithEveryField() {
        ObjectRecord o = upload("my object/with spaces", "upload-1").withUpload("text/plain", 12, Map.of("sha256", "a".repeat(64)));

        assertThat(store.insertIfAbsent(o)).isEqualTo(o);

        assertThat(store.find("my object/with spaces")).contains(o);
        assertThat(store.find("other")).isEmpty();
    }

    @Test
    void insertingATakenNameAnswersTheStoredObjectUnchanged() {
        ObjectRecord first = upload("obj", "upload-1");
        store.insertIfAbsent(first);

        ObjectRecord answer = store.insertIfAbsent(upload("obj", "upload-2").withUpload("text/plain", 5, Map.of()));

        assertThat(answer).isEqualTo(first);
        assertThat(store.find("obj")).contains(first);
    }

    @Test
    void insertingWithAnUploadIdOfAnotherObjectAnswersThatObjectAndStoresNothing() {
        store.insertIfAbsent(upload("first", "upload-1"));

        ObjectRecord answer = store.insertIfAbsent(upload("second", "upload-1"));

        assertThat(answer.name()).isEqualTo("first");
        assertThat(store.find("second")).isEmpty();
    }

    @Test
    void updateUnfinishedChangesAnOpenUploadWithItsUploadIdOnly() {
        ObjectRecord o = upload("obj", "upload-1");
        store.insertIfAbsent(o);

        assertThat(store.updateUnfinished(upload("obj", "other-upload").withUpload("text/plain", 3, Map.of()))).isFalse();
        ObjectRecord done = o.withUpload("text/plain", 3, Map.of("sha256", "b".repeat(64))).finishedWith(3, Map.of("sha512", "c".repeat(128)));
        assertThat(store.updateUnfinished(done)).isTrue();

        assertThat(store.find("obj")).contains(done);
        // finished: never changed again, whatever the upload id
        assertThat(store.updateUnfinished(done.withUpload("image/png", 9, Map.of()))).isFalse();
        assertThat(store.find("obj")).contains(done);
    }

    @Test
    void expiredListsObjectsPastTheirExpiryAndUploadsLeftUnfinishedPastTheirUploadExpiry() {
        ObjectRecord finished = upload("finished", "u1").finishedWith(0, Map.of());
        store.insertIfAbsent(finished);
        store.updateUnfinished(finished);
        store.insertIfAbsent(upload("abandoned", "u2"));
        Instant now = clock.instant();
        store.insertIfAbsent(new ObjectRecord("long-lived", "proj", "u3", false, now.plus(Duration.ofDays(30)),
                now.plus(Duration.ofDays(10)), "objects/u3", null, -1, Map.of(), now));

        assertThat(store.expired(now.plus(Duration.ofHours(1)), 10)).isEmpty();
        assertThat(store.expired(now.plus(Duration.ofDays(2)), 10)).extracting(ObjectRecord::name).containsExactly("abandoned");
        assertThat(store.expired(now.plus(Duration.ofDays(8)), 10)).extracting(ObjectRecord::name)
                .containsExactlyInAnyOrder("abandoned", "finished");
        assertThat(store.expired(now.plus(Duration.ofDays(8)), 1)).hasSize(1);
    }

    @Test
    void deleteRemovesOnlyTheObjectWithThatUploadId() {
        store.insertIfAbsent(upload("obj", "upload-1"));

        assertThat(store.delete("obj", "upload-0")).isFalse();
        assertThat(store.find("obj")).isPresent();
        assertThat(store.delete("obj", "upload-1")).isTrue();
        assertThat(store.find("obj")).isEmpty();
        // the name is free again
        assertThat(store.insertIfAbsent(upload("obj", "upload-2")).uploadId()).isEqualTo("upload-2");
    }
}
