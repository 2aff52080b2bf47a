package dev.berth.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Workers' volume caches: purge one on every worker of a pool (the purge-cache service). */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Purge workers' volume caches.",
        subcommands = {CacheCommand.Purge.class, CacheCommand.Requests.class})
final class CacheCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Every worker of POOL (its task queue id, e.g. proj/docker) drops its instances of CACHE made "
                    + "before now, before the next task that uses it. Needs purge-cache:<POOL>:<CACHE>.")
    static final class Purge implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "POOL") String workerPoolId;
        @Parameters(index = "1", paramLabel = "CACHE") String cacheName;

        @Override
        public Integer call() {
            client.client().purgeCache().purgeCache(workerPoolId, cacheName);
            System.err.println("purge of cache " + cacheName + " requested on every worker of " + workerPoolId);
            return 0;
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true, description = "List the purge requests in force.")
    static final class Requests implements Callable<Integer> {
        @Mixin ClientOptions client;

        @Override
        public Integer call() {
            String token = null;
            do {
                JsonNode page = client.client().purgeCache().allPurgeRequests(token, null);
                for (JsonNode r : page.path("requests")) {
                    // Taskcluster's answer names the pool by its two halves
                    System.out.println(r.path("provisionerId").asText() + "/" + r.path("workerType").asText() + "  "
                            + r.path("cacheName").asText() + "  before "
                            + r.path("before").asText());
                }
                token = page.hasNonNull("continuationToken") ? page.get("continuationToken").asText() : null;
            } while (token != null);
            return 0;
        }
    }
}
