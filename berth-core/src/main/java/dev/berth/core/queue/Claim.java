package dev.berth.core.queue;

import dev.berth.core.task.TaskDefinition;
import dev.berth.core.task.TaskStatus;
import java.time.Instant;

/** One run handed to a worker by claimWork. */
public record Claim(String taskId, int runId, TaskStatus status, TaskDefinition task,
                    String workerGroup, String workerId, Instant takenUntil) {}
