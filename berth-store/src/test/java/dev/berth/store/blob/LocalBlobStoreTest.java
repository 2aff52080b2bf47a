package dev.berth.store.blob;

import dev.berth.core.store.BlobStore;
import dev.berth.testing.BlobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest extends BlobStoreContract {

    @TempDir
    Path root;

    @Override
    protected BlobStore newStore() throws Exception {
        return new LocalBlobStore(root.resolve("blobs"));
    }
}
