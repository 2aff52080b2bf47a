package dev.berth.worker.scopes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.client.BerthClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Expands scopes with the auth service's expandScopes, signed with the worker's own credentials
 * (scope {@code auth:expand-scopes}, which a worker's client holds; see {@code WorkerScopes}).
 */
public final class ClientScopeExpander implements ScopeCheck.Expander {

    private final BerthClient client;

    public ClientScopeExpander(BerthClient client) {
        this.client = client;
    }

    @Override
    public List<String> expand(List<String> scopes) throws IOException {
        JsonNode answer;
        try {
            answer = client.auth().expandScopes(scopes);
        } catch (RuntimeException e) {
            throw new IOException("expandScopes: " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        answer.path("scopes").forEach(s -> out.add(s.asText()));
        return out;
    }
}
