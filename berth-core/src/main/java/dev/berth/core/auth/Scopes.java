package dev.berth.core.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Taskcluster scope arithmetic. A held scope satisfies a required scope when the two are equal, or when the
 * held scope ends in {@code *} and the required scope starts with everything before that star. There is no
 * other wildcard: a {@code *} anywhere but at the end is a literal character.
 */
public final class Scopes {

    private Scopes() {}

    /** True when {@code held} alone satisfies {@code required}. */
    public static boolean satisfies(String held, String required) {
        if (held.equals(required)) {
            return true;
        }
        return held.endsWith("*") && required.startsWith(held.substring(0, held.length() - 1));
    }

    /** True when some scope in {@code held} satisfies {@code required}. */
    public static boolean satisfiedBy(Collection<String> held, String required) {
        for (String scope : held) {
            if (satisfies(scope, required)) {
                return true;
            }
        }
        return false;
    }

    /** True when every scope of {@code required} is satisfied by {@code held}. */
    public static boolean satisfiesAll(Collection<String> held, Collection<String> required) {
        for (String scope : required) {
            if (!satisfiedBy(held, scope)) {
                return false;
            }
        }
        return true;
    }

    /** The scopes of {@code required} that {@code held} does not satisfy, in their given order. */
    public static List<String> missing(Collection<String> held, Collection<String> required) {
        List<String> missing = new ArrayList<>();
        for (String scope : required) {
            if (!satisfiedBy(held, scope)) {
                missing.add(scope);
            }
        }
        return missing;
    }

    /**
     * The smallest sorted set that grants exactly what {@code scopes} grants: duplicates go, and so does every
     * scope that another {@code *} scope of the set already implies (e.g. {@code a:b} next to {@code a:*}).
     */
    public static List<String> normalize(Collection<String> scopes) {
        Set<String> starPrefixes = new HashSet<>();
        TreeSet<Integer> prefixLengths = new TreeSet<>();
        for (String scope : scopes) {
            if (scope.endsWith("*")) {
                starPrefixes.add(scope.substring(0, scope.length() - 1));
                prefixLengths.add(scope.length() - 1);
            }
        }
        TreeSet<String> result = new TreeSet<>();
        for (String scope : scopes) {
            if (!impliedByOtherStar(scope, starPrefixes, prefixLengths)) {
                result.add(scope);
            }
        }
        return List.copyOf(result);
    }

    private static boolean impliedByOtherStar(String scope, Set<String> starPrefixes, TreeSet<Integer> lengths) {
        // A star scope "P*" implies every scope starting with P; "P*" itself must not count as implying itself.
        // Only prefix lengths that some star scope has can match, which keeps this linear in practice.
        int ownPrefixLength = scope.endsWith("*") ? scope.length() - 1 : -1;
        for (int length : lengths.headSet(scope.length(), true)) {
            if (length != ownPrefixLength && starPrefixes.contains(scope.substring(0, length))) {
                return true;
            }
        }
        return false;
    }

    /** A scope is a string of printable ASCII characters (Taskcluster's rule); used to validate input. */
    public static boolean isValidScope(String scope) {
        if (scope == null) {
            return false;
        }
        for (int i = 0; i < scope.length(); i++) {
            char c = scope.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
