package dev.berth.app;

import dev.berth.client.BerthClient;
import dev.berth.client.Credentials;
import dev.berth.worker.Worker;
import dev.berth.worker.WorkerConfig;
import dev.berth.worker.queue.ClientWorkQueue;

/** Builds a Docker worker talking to the queue with the configured credentials. */
final class Workers {

    private Workers() {}

    static Worker start(WorkerConfig cfg) {
        cfg.requireQueueAccess();
        BerthClient client = new BerthClient(cfg.rootUrl(), new Credentials(cfg.clientId(), cfg.accessToken()));
        Worker worker = Worker.withDocker(cfg, new ClientWorkQueue(client, cfg.taskQueueId(), cfg.workerGroup(), cfg.workerId()));
        worker.start();
        return worker;
    }
}
