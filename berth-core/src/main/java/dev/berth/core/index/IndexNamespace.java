package dev.berth.core.index;

import java.time.Instant;

/** A namespace holding indexed tasks or other namespaces; it expires no earlier than anything inside it. */
public record IndexNamespace(IndexPath path, Instant expires) {}
