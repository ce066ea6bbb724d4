package dev.pairstream.kafkalocal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks free TCP ports on the loopback interface.
 *
 * <p>A port picked here can be taken by another process before the broker binds it. {@link KafkaLocalBroker}
 * therefore retries start-up with new ports when the bind fails and the ports were picked automatically.
 */
final class FreePorts {

    private FreePorts() {
    }

    /**
     * Returns {@code count} distinct ports that were free on 127.0.0.1 a moment ago.
     *
     * @throws UncheckedIOException when no port can be bound
     */
    static int[] pick(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            // Holding every socket open until all are picked keeps the ports distinct.
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to find a free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket socket : sockets) {
                closeQuietly(socket);
            }
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // The port was only probed; a failed close leaves nothing for the broker to clean up.
        }
    }
}
