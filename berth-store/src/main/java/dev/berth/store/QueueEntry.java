package dev.berth.store;

import java.util.Comparator;

/** A row of the pending table: the run of a task waiting in a queue, in claim order (priority, then seq). */
record QueueEntry(String taskId, int runId, int priority, long seq) {

    static final Comparator<QueueEntry> CLAIM_ORDER =
            Comparator.comparingInt(QueueEntry::priority).reversed().thenComparingLong(QueueEntry::seq);
}
