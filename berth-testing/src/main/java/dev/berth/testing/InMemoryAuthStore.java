package dev.berth.testing;

import dev.berth.core.audit.AuditEntry;
import dev.berth.core.audit.AuditHistory;
import dev.berth.core.store.AuthStore;
import dev.berth.core.store.ClientRecord;
import dev.berth.core.store.Page;
import dev.berth.core.store.RoleRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A small, faithful in-memory {@link AuthStore} and {@link AuditHistory} for tests, held to the same contract
 * suites as the database stores. Every method holds the store's monitor, so a change and its audit entry are
 * seen together or not at all, as in one transaction.
 */
public final class InMemoryAuthStore implements AuthStore, AuditHistory {

    private final TreeMap<String, ClientRecord> clients = new TreeMap<>();
    private final TreeMap<String, RoleRecord> roles = new TreeMap<>();
    private final List<AuditEntry> audit = new ArrayList<>();

    @Override
    public synchronized boolean insertClient(ClientRecord client, AuditEntry entry) {
        if (clients.putIfAbsent(client.clientId(), client) != null) return false;
        return recorded(entry);
    }

    @Override
    public synchronized Optional<ClientRecord> findClient(String clientId) {
        return Optional.ofNullable(clients.get(clientId));
    }

    @Override
    public synchronized boolean updateClient(ClientRecord client, AuditEntry entry) {
        return clients.replace(client.clientId(), client) != null && recorded(entry);
    }

    @Override
    public synchronized boolean deleteClient(String clientId, AuditEntry entry) {
        return clients.remove(clientId) != null && recorded(entry);
    }

    @Override
    public synchronized Page<ClientRecord> clients(String prefix, String continuationToken, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        String after = continuationToken == null ? "" : decode(continuationToken);
        List<ClientRecord> matching = clients.tailMap(after, false).values().stream()
                .filter(c -> prefix == null || c.clientId().startsWith(prefix)).limit(limit + 1L).toList();
        if (matching.size() <= limit) return new Page<>(matching, null);
        return new Page<>(matching.subList(0, limit), encode(matching.get(limit - 1).clientId()));
    }

    @Override
    public synchronized boolean insertRole(RoleRecord role, AuditEntry entry) {
        if (roles.putIfAbsent(role.roleId(), role) != null) return false;
        return recorded(entry);
    }

    @Override
    public synchronized Optional<RoleRecord> findRole(String roleId) {
        return Optional.ofNullable(roles.get(roleId));
    }

    @Override
    public synchronized boolean updateRole(RoleRecord role, AuditEntry entry) {
        return roles.replace(role.roleId(), role) != null && recorded(entry);
    }

    @Override
    public synchronized boolean deleteRole(String roleId, AuditEntry entry) {
        return roles.remove(roleId) != null && recorded(entry);
    }

    @Override
    public synchronized List<RoleRecord> allRoles() {
        return List.copyOf(roles.values());
    }

    @Override
    public synchronized Page<AuditEntry> ofEntity(String entityType, String entityId, String continuationToken, int limit) {
        return auditPage(e -> e.entityType().equals(entityType) && e.entityId().equals(entityId), continuationToken, limit);
    }

    @Override
    public synchronized Page<AuditEntry> byClient(String clientId, String continuationToken, int limit) {
        return auditPage(e -> e.clientId().equals(clientId), continuationToken, limit);
    }

    /** Entries in the order recorded; a token is the index of the first entry of the next page. */
    private Page<AuditEntry> auditPage(Predicate<AuditEntry> filter, String continuationToken, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        int after = continuationToken == null ? 0 : Integer.parseInt(decode(continuationToken));
        List<AuditEntry> items = new ArrayList<>();
        for (int i = after; i < audit.size(); i++) {
            if (!filter.test(audit.get(i))) continue;
            if (items.size() == limit) return new Page<>(items, encode(Integer.toString(i)));
            items.add(audit.get(i));
        }
        return new Page<>(items, null);
    }

    private boolean recorded(AuditEntry entry) {
        audit.add(entry);
        return true;
    }

    private static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    }
}
