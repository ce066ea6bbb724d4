package dev.pairstream.erasure.emoji;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The outcome of preparing the emoji data folder.
 *
 * @param dataDirectory    the folder holding the images, licence texts and manifest
 * @param tarball          the verified package tarball, or null when the folder was already up to date
 * @param tarballFromCache whether the tarball came from the cache instead of {@code npm pack}
 * @param upToDate         whether the folder already matched the catalog, so nothing was extracted
 * @param filesExtracted   files written in this run
 * @param bytesExtracted   bytes written in this run, manifest excluded
 * @param tarballBytes     size of the tarball, 0 when none was needed
 * @param elapsed          wall-clock time of the whole run
 */
public record PreparedData(Path dataDirectory, Path tarball, boolean tarballFromCache, boolean upToDate,
        int filesExtracted, long bytesExtracted, long tarballBytes, Duration elapsed) {
}
