package dev.berth.core.pools;

import java.util.Map;

/**
 * Errors of one pool (or all, {@code workerPoolId} ""), counted over the last 7 days: by day and, for the last
 * 24 hours, by hour (keys are the start of each day or hour), and by title, kind and pool.
 */
public record ErrorStats(String workerPoolId, int total, Map<String, Integer> daily, Map<String, Integer> hourly,
                         Map<String, Integer> title, Map<String, Integer> code, Map<String, Integer> workerPool) {}
