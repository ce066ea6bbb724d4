package dev.pairstream.erasure.pretrain;

import java.util.Locale;

/** Formats durations and sizes for progress lines. */
final class ProgressFormat {

    private ProgressFormat() {
    }

    /** Formats seconds as {@code 1h02m03s}, {@code 2m03s} or {@code 3s}; infinity and NaN as {@code unknown}. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "unknown";
        }
        long total = Math.round(seconds);
        long hours = total / 3600;
        long minutes = total % 3600 / 60;
        long rest = total % 60;
        if (hours > 0) {
            return String.format(Locale.ROOT, "%dh%02dm%02ds", hours, minutes, rest);
        }
        if (minutes > 0) {
            return String.format(Locale.ROOT, "%dm%02ds", minutes, rest);
        }
        return rest + "s";
    }

    /** Formats a byte count in MiB, or {@code unknown} when negative. */
    static String bytes(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
