package dev.berth.server.queue;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the client of a long-polling request is still connected.
 *
 * <p>Jetty does not read an HTTP/1.1 connection while its request is being handled, so a client that went
 * away (its process killed, its socket closed) goes unnoticed until the answer is written, and a claimWork
 * long poll would claim tasks for nobody. {@link #open()} reads the connection without blocking: end of
 * stream means the client is gone. It is asked only after the request body was read, when an HTTP/1.1
 * client waiting for its answer sends nothing more (pipelining clients would lose the byte read; no
 * Taskcluster client pipelines). A failure Jetty reports for the request counts as gone too.
 */
final class ClientConnection {

    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final EndPoint endPoint;
    private volatile boolean gone;

    private ClientConnection(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /** The connection of {@code ctx}'s request; one that cannot be inspected always counts as open. */
    static ClientConnection of(Context ctx) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null) return new ClientConnection(null);
        // Only an HTTP/1 connection carries nothing but this request's bytes: on HTTP/2 a read would take frames.
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        boolean http1 = version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0;
        ClientConnection c = new ClientConnection(http1 ? request.getConnectionMetaData().getConnection().getEndPoint() : null);
        request.addFailureListener(failure -> c.gone = true);
        return c;
    }

    /** False once the client closed its side of the connection (or Jetty failed the request). */
    boolean open() {
        if (gone) return false;
        if (endPoint == null) return true;
        if (!endPoint.isOpen() || endPoint.isInputShutdown()) return closed();
        try {
            ByteBuffer probe = BufferUtil.allocate(1);
            int n = endPoint.fill(probe);
            if (n < 0) return closed();
            if (n > 0) log.warn("a long-polling client sent {} byte(s) after its request; they are dropped", n);
            return true;
        } catch (IOException e) {
            return closed();
        }
    }

    private boolean closed() {
        gone = true;
        return false;
    }
}
