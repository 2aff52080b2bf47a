package dev.berth.worker.runtime.docker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 to the Docker engine's socket that a test can cut and mend: to the
 * worker it looks as if the engine went away (connections break, new ones are refused) and came
 * back — without touching the shared engine itself.
 */
public final class EngineLink implements AutoCloseable {

    private final Path engineSocket;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocketChannel server;
    private volatile int port;

    public EngineLink(String dockerHost) throws IOException {
        URI uri = URI.create(dockerHost);
        if (!"unix".equals(uri.getScheme())) throw new IllegalArgumentException("needs a unix socket engine, not " + dockerHost);
        this.engineSocket = Path.of(uri.getPath());
        up();
    }

    public String dockerHost() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Accepts connections (again, on the same port). */
    public synchronized void up() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        server = s;
        Thread.ofPlatform().daemon().name("engine-link-accept").start(() -> accept(s));
    }

    /** Breaks every connection and refuses new ones, as a stopped engine does. */
    public synchronized void down() throws IOException {
        server.close();
        for (SocketChannel c : open) c.close();
        open.clear();
    }

    private void accept(ServerSocketChannel s) {
        while (s.isOpen()) {
            try {
                SocketChannel client = s.accept();
                SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(engineSocket));
                open.add(client);
                open.add(engine);
                pump(client, engine);
                pump(engine, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread.ofPlatform().daemon().name("engine-link-pump").start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) to.write(buf);
                    buf.clear();
                }
            } catch (IOException ignored) {
                // cut
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        });
    }

    @Override
    public void close() throws IOException {
        down();
    }
}
