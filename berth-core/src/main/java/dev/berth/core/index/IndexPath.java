package dev.berth.core.index;

import dev.berth.core.BerthException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A dot-separated index path such as {@code project.app.v2.latest}, kept as its parent namespace
 * ({@code project.app.v2}) and its last segment ({@code latest}). The root namespace is the empty path.
 */
public record IndexPath(String parent, String name) {

    /** Taskcluster's namespace pattern: segments of URL-safe characters joined by dots. */
    public static final Pattern FORMAT = Pattern.compile("^([a-zA-Z0-9_!~*'()%-]+\\.)*[a-zA-Z0-9_!~*'()%-]+$");
    /** The longest path the stores hold (Taskcluster's responses allow 255). */
    public static final int MAX_LENGTH = 255;

    public static final IndexPath ROOT = new IndexPath("", "");

    public IndexPath {
        if (parent == null || name == null) throw new IllegalArgumentException("parent and name must not be null");
    }

    /** Parses and checks {@code path}; {@code what} names it in the error ("namespace", "indexPath"). */
    public static IndexPath parse(String path, String what) {
        if (path == null || path.isEmpty()) return ROOT;
        if (path.length() > MAX_LENGTH) {
            throw BerthException.input(what + " must be at most " + MAX_LENGTH + " characters; got " + path.length());
        }
        if (!FORMAT.matcher(path).matches()) {
            throw BerthException.input(what + " must be dot-separated segments of a-z A-Z 0-9 _ ! ~ * ' ( ) % - "
                    + "(no empty segment, no slash); got '" + path + "'");
        }
        int dot = path.lastIndexOf('.');
        return dot < 0 ? new IndexPath("", path) : new IndexPath(path.substring(0, dot), path.substring(dot + 1));
    }

    public boolean isRoot() { return name.isEmpty(); }

    /** The whole path, as clients name it. */
    public String full() {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    /** The namespaces this path lies in, outermost first: {@code a.b.c} → {@code a}, {@code a.b}. */
    public List<IndexPath> ancestors() {
        List<IndexPath> out = new ArrayList<>();
        if (parent.isEmpty()) return out;
        String[] parts = parent.split("\\.");
        String at = "";
        for (String part : parts) {
            out.add(new IndexPath(at, part));
            at = at.isEmpty() ? part : at + "." + part;
        }
        return out;
    }

    @Override
    public String toString() { return full(); }
}
