package dev.berth.core.pools;

import com.fasterxml.jackson.databind.JsonNode;

/** What a person writes to create or update a pool (worker-manager's create-worker-pool request). */
public record PoolDefinition(String providerId, String description, JsonNode config, String owner, boolean emailOnError) {}
