package dev.pairstream.erasure.pretrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the resident memory of this process, native allocations included, which the Java heap figures miss. */
final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** Returns the resident set size in bytes from Linux's {@code /proc/self/status}, or -1 elsewhere. */
    static long bytes() {
        if (!Files.isReadable(STATUS)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
