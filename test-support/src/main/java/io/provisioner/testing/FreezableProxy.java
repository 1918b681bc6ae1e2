package io.provisioner.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can be frozen: it then stops forwarding in both directions without
 * closing anything, as a network partition or a firewall dropping packets would. For tests.
 */
public final class FreezableProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;

    public FreezableProxy(String targetHost, int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Thread accept = new Thread(this::acceptLoop, "proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** A proxy in front of the tests' Postgres. */
    public static FreezableProxy toPostgres(Infra infra) throws IOException {
        URI db = URI.create(infra.jdbcUrl().substring("jdbc:".length()));
        return new FreezableProxy(db.getHost(), db.getPort());
    }

    /** The tests' JDBC URL with this proxy in place of the server. */
    public String jdbcUrl(Infra infra) {
        URI db = URI.create(infra.jdbcUrl().substring("jdbc:".length()));
        return "jdbc:postgresql://127.0.0.1:" + port() + db.getRawPath()
                + (db.getRawQuery() == null ? "" : "?" + db.getRawQuery());
    }

    public void freeze() {
        frozen = true;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[8192];
                    try {
                        for (int n; (n = in.read(buf)) >= 0; ) {
                            while (frozen) {
                                Thread.sleep(100); // hold what came in: nothing gets through any more
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // the test is over, or one side closed
                    }
                },
                "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
