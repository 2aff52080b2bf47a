package dev.berth.core.auth;

import dev.berth.core.BerthException;
import dev.berth.core.store.RoleRecord;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Expands scopes through roles the way Taskcluster's auth service does.
 *
 * <ul>
 *   <li>{@code assume:<roleId>} grants the role's scopes, recursively.</li>
 *   <li>A role id ending in {@code *} is assumed by every {@code assume:} scope that starts with the id's
 *       prefix: role {@code repo:*} is assumed by {@code assume:repo:foo}.</li>
 *   <li>A held scope ending in {@code *} assumes every role whose {@code assume:<roleId>} it satisfies:
 *       {@code assume:repo:*} (and {@code *}) assume role {@code repo:x} and role {@code repo:*}.</li>
 *   <li>Parameterised roles: in a role whose id ends in {@code *}, {@code <..>} in its scopes is replaced by
 *       the part of the assuming scope that the role's {@code *} matched. When that part itself ends in
 *       {@code *} (or the assuming scope's star covered the whole role prefix, making the part {@code *}),
 *       the scope is cut after the replacement, because a star only has meaning at the end.</li>
 * </ul>
 *
 * Instances are immutable and hold indexes over the role table, so build one per role-table change and share
 * it across requests. Expansion visits every scope once, so role cycles terminate; parameterised roles that
 * keep producing longer scopes are stopped by {@link #MAX_EXPANDED_SCOPES}.
 */
public final class RoleExpander {

    /** Guard against parameterised roles that generate an unbounded number of scopes. */
    public static final int MAX_EXPANDED_SCOPES = 20_000;
    /** Longest scope expansion may produce; a parameterised role feeding itself grows scopes without end. */
    public static final int MAX_SCOPE_LENGTH = 4096;

    private static final String ASSUME = "assume:";
    private static final String PARAMETER = "<..>";

    /** Every role by full id (star roles keep their trailing {@code *}), sorted for prefix range queries. */
    private final NavigableMap<String, List<String>> rolesById;
    /** Star roles keyed by their id without the trailing {@code *}. */
    private final Map<String, List<String>> starRolesByPrefix;
    /** Distinct lengths of those prefixes, ascending: only these prefixes of a scope need looking up. */
    private final int[] starPrefixLengths;

    private RoleExpander(NavigableMap<String, List<String>> rolesById, Map<String, List<String>> starRolesByPrefix) {
        this.rolesById = rolesById;
        this.starRolesByPrefix = starRolesByPrefix;
        this.starPrefixLengths = starRolesByPrefix.keySet().stream().mapToInt(String::length).distinct().sorted()
                .toArray();
    }

    public static RoleExpander of(Collection<RoleRecord> roles) {
        NavigableMap<String, List<String>> byId = new TreeMap<>();
        Map<String, List<String>> starByPrefix = new HashMap<>();
        for (RoleRecord role : roles) {
            byId.put(role.roleId(), role.scopes());
            if (role.roleId().endsWith("*")) {
                starByPrefix.put(role.roleId().substring(0, role.roleId().length() - 1), role.scopes());
            }
        }
        return new RoleExpander(byId, starByPrefix);
    }

    public static RoleExpander empty() { return of(List.of()); }

    /** The given scopes plus everything the roles they assume grant, normalised (see {@link Scopes#normalize}). */
    public List<String> expand(Collection<String> scopes) {
        Set<String> seen = new LinkedHashSet<>(scopes);
        Deque<String> pending = new ArrayDeque<>(seen);
        while (!pending.isEmpty()) {
            String scope = pending.poll();
            for (String granted : grantedBy(scope)) {
                if (seen.add(granted)) {
                    if (seen.size() > MAX_EXPANDED_SCOPES || granted.length() > MAX_SCOPE_LENGTH) {
                        throw BerthException.input("role expansion produced more than " + MAX_EXPANDED_SCOPES
                                + " scopes or a scope longer than " + MAX_SCOPE_LENGTH + " characters; a "
                                + "parameterised role probably assumes itself with a growing parameter");
                    }
                    pending.add(granted);
                }
            }
        }
        return Scopes.normalize(seen);
    }

    /** The scopes that one held scope directly grants through roles (one level, not recursive). */
    private Set<String> grantedBy(String scope) {
        Set<String> granted = new HashSet<>();
        boolean starred = scope.endsWith("*");
        String fixed = starred ? scope.substring(0, scope.length() - 1) : scope;

        if (starred && ASSUME.startsWith(fixed)) {
            // "*", "a*", "assume*", ... : every role is assumed, with parameter "*".
            rolesById.forEach((roleId, roleScopes) -> addRole(granted, roleId, roleScopes, "*"));
            return granted;
        }
        if (!fixed.startsWith(ASSUME)) {
            return granted;
        }
        String assumed = fixed.substring(ASSUME.length());

        if (starred) {
            // Every role whose id starts with what the star scope fixes; for star roles the parameter is
            // what follows the role's own prefix in the scope, or just "*" if the scope stops short of it.
            for (Map.Entry<String, List<String>> role : rolesById.tailMap(assumed, true).entrySet()) {
                if (!role.getKey().startsWith(assumed)) {
                    break;
                }
                addRole(granted, role.getKey(), role.getValue(), "*");
            }
        } else {
            List<String> exact = rolesById.get(assumed);
            if (exact != null && !assumed.endsWith("*")) {
                granted.addAll(exact);
            }
        }
        // Star roles whose prefix the assumed id starts with: role "repo:*" for "assume:repo:foo" (parameter
        // "foo") or for "assume:repo:f*" (parameter "f*"). Only prefix lengths some star role has are tried.
        String assumedWithStar = starred ? assumed + "*" : assumed;
        for (int length : starPrefixLengths) {
            if (length > assumed.length()) {
                break;
            }
            List<String> roleScopes = starRolesByPrefix.get(assumed.substring(0, length));
            if (roleScopes != null) {
                addParameterised(granted, roleScopes, assumedWithStar.substring(length));
            }
        }
        return granted;
    }

    private static void addRole(Set<String> granted, String roleId, List<String> roleScopes, String parameter) {
        if (roleId.endsWith("*")) {
            addParameterised(granted, roleScopes, parameter);
        } else {
            granted.addAll(roleScopes);
        }
    }

    private static void addParameterised(Set<String> granted, List<String> roleScopes, String parameter) {
        for (String roleScope : roleScopes) {
            int at = roleScope.indexOf(PARAMETER);
            if (at < 0) {
                granted.add(roleScope);
            } else if (parameter.endsWith("*")) {
                granted.add(roleScope.substring(0, at) + parameter);
            } else {
                granted.add(roleScope.replace(PARAMETER, parameter));
            }
        }
    }
}
