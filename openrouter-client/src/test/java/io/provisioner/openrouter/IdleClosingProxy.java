package io.provisioner.openrouter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a server with a keep-alive timeout (Node's default is 5 s): a request that arrives
 * on a connection idle for {@code idle} or longer is dropped and the connection closed, as when the
 * server's close crosses the client's reuse of a pooled connection. The request never reaches the server.
 */
final class IdleClosingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final Duration idle;
    private final AtomicLong closedIdle = new AtomicLong();

    IdleClosingProxy(InetSocketAddress upstream, Duration idle) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstream = upstream;
        this.idle = idle;
        Thread accept = new Thread(this::accept, "idle-closing-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections this proxy closed because they were idle. */
    long closedIdle() {
        return closedIdle.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(upstream.getAddress(), upstream.getPort());
                AtomicLong lastActive = new AtomicLong(System.nanoTime());
                pump(client, server, lastActive, true);
                pump(server, client, lastActive, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies {@code from} to {@code to}; from the client, bytes after {@code idle} of quiet close both. */
    private void pump(Socket from, Socket to, AtomicLong lastActive, boolean watchIdle) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[8192];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        while (true) {
                            int n = in.read(buf);
                            if (n < 0) {
                                break;
                            }
                            if (watchIdle && System.nanoTime() - lastActive.get() >= idle.toNanos()) {
                                closedIdle.incrementAndGet();
                                break;
                            }
                            lastActive.set(System.nanoTime());
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException closed) {
                        // the other side went away
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "idle-closing-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
