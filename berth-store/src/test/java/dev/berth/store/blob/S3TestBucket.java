package dev.berth.store.blob;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A fresh bucket on the test S3 server, which scripts/s3.sh starts (S3Proxy on 127.0.0.1:9500 unless
 * {@code BERTH_TEST_S3_ENDPOINT} names another). Each test gets its own bucket, so runs never share objects.
 */
final class S3TestBucket {

    static final String DEFAULT_ENDPOINT = "http://127.0.0.1:9500";

    private S3TestBucket() {}

    static S3BlobStore.Settings fresh() {
        return new S3BlobStore.Settings(URI.create(env("BERTH_TEST_S3_ENDPOINT", DEFAULT_ENDPOINT)),
                "berth-test-" + UUID.randomUUID().toString().substring(0, 13), "us-east-1",
                env("BERTH_TEST_S3_ACCESS_KEY", "berth-test"), env("BERTH_TEST_S3_SECRET_KEY", "berth-test-secret"));
    }

    /** A plain S3 client for the bucket's server, to look at or place objects behind the store's back. */
    static S3Client client(S3BlobStore.Settings s) {
        return S3Client.builder().endpointOverride(s.endpoint()).region(Region.of(s.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s.accessKey(), s.secretKey())))
                .forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder())
                // as the store does: S3Proxy checks only the checksums the API demands
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** Empties and removes the bucket, so test runs leave nothing on the S3 server. */
    static void drop(S3BlobStore.Settings s) {
        try (S3Client c = client(s)) {
            // deepest keys first: S3Proxy's filesystem backend lists directories as "a/" keys, and deleting one
            // before its contents stalls for seconds
            List<String> keys = new ArrayList<>();
            for (S3Object o : c.listObjectsV2Paginator(b -> b.bucket(s.bucket())).contents()) keys.add(o.key());
            keys.sort(Comparator.comparingInt(String::length).reversed());
            for (String key : keys) c.deleteObject(b -> b.bucket(s.bucket()).key(key));
            c.deleteBucket(b -> b.bucket(s.bucket()));
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
