package dev.pairstream.erasure.emoji;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the emoji data folder: fetches the pinned emoji-datasource tarball with {@code npm pack}, or reuses a
 * verified copy from the cache, checks its SRI digest, and extracts the catalog's 64-pixel PNGs and the licence
 * texts with a SHA-256 manifest.
 *
 * <p>Layout of the data folder: {@code img/<unified>.png}, {@code licence/<file>} and {@value
 * DataManifest#FILE_NAME}.
 */
public final class EmojiAssets {

    /** Default cache folder for npm tarballs, relative to the working directory. */
    public static final Path DEFAULT_CACHE_DIRECTORY = Path.of(".pair", "cache", "npm");

    /** Default data folder, relative to the working directory. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of(".pair", "data", "emoji");

    /** Default limit on one {@code npm pack} run; the 74 MB tarball needs well under a minute on a fast link. */
    public static final Duration DEFAULT_NPM_TIMEOUT = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(EmojiAssets.class);

    private final ConceptCatalog catalog;
    private final Path cacheDirectory;
    private final Path dataDirectory;
    private final NpmPackRunner npm;
    private final PackageIntegrity integrity;

    /** Creates the preparer with the {@code npm} on the PATH and the default timeout. */
    public EmojiAssets(ConceptCatalog catalog, Path cacheDirectory, Path dataDirectory) {
        this(catalog, cacheDirectory, dataDirectory, List.of("npm"), DEFAULT_NPM_TIMEOUT);
    }

    /**
     * Creates the preparer.
     *
     * @param npmCommand the npm executable and any leading arguments, such as {@code [npm]}
     * @param npmTimeout how long one {@code npm pack} may run before it is killed
     */
    public EmojiAssets(ConceptCatalog catalog, Path cacheDirectory, Path dataDirectory, List<String> npmCommand,
            Duration npmTimeout) {
        this.catalog = catalog;
        this.cacheDirectory = cacheDirectory;
        this.dataDirectory = dataDirectory;
        this.npm = new NpmPackRunner(npmCommand, npmTimeout);
        this.integrity = PackageIntegrity.parse(catalog.source().integrity());
    }

    /**
     * Makes the data folder match the catalog. Unless {@code force} is set, a folder whose manifest already
     * covers the catalog with matching digests is left as it is, without touching the cache or npm.
     */
    public PreparedData prepare(boolean force) throws IOException {
        long started = System.nanoTime();
        if (!force && isPrepared()) {
            LOG.info("Data folder {} is up to date for catalog {}", dataDirectory, catalog.version());
            return new PreparedData(dataDirectory, null, false, true, 0, 0, 0, elapsedSince(started));
        }
        FetchedTarball tarball = fetchTarball();
        AssetExtractor.Result result = new AssetExtractor(catalog, dataDirectory).extract(tarball.path());
        return new PreparedData(dataDirectory, tarball.path(), tarball.fromCache(), false,
                result.manifest().files().size(), result.bytes(), Files.size(tarball.path()), elapsedSince(started));
    }

    /** A verified package tarball and whether it came from the cache. */
    public record FetchedTarball(Path path, boolean fromCache) {
    }

    /**
     * Returns the verified package tarball: the cached copy when its digest matches, else a fresh one from
     * {@code npm pack}. A cached copy that fails the check is deleted and fetched again.
     *
     * @throws IntegrityException when the freshly fetched tarball does not have the pinned digest
     */
    public FetchedTarball fetchTarball() throws IOException {
        Files.createDirectories(cacheDirectory);
        Path cached = cachedTarballPath();
        if (Files.isRegularFile(cached)) {
            try {
                integrity.verify(cached);
                LOG.info("Reusing the verified tarball {}", cached);
                return new FetchedTarball(cached, true);
            } catch (IntegrityException e) {
                LOG.warn("Cached tarball {} has digest {} instead of {}; deleting it and fetching it again", cached,
                        e.actual(), e.expected());
                Files.delete(cached);
            }
        }
        // NOTE: concurrent runs on one cache folder share this download path, so run one preparation at a time.
        Path download = cacheDirectory.resolve(cached.getFileName() + ".download");
        try {
            npm.pack(catalog.source().packageSpec(), cacheDirectory, download);
            integrity.verify(download);
            Files.move(download, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(download);
        }
        LOG.info("Fetched and verified {} ({} bytes)", cached, Files.size(cached));
        return new FetchedTarball(cached, false);
    }

    /** Returns where the cache keeps the package tarball. */
    public Path cachedTarballPath() {
        return cacheDirectory.resolve(catalog.source().tarballFileName());
    }

    /** Returns the data folder. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Returns whether the data folder contains every file the catalog needs, from the pinned package, with the
     * digests its manifest records.
     */
    public boolean isPrepared() throws IOException {
        DataManifest manifest;
        try {
            manifest = DataManifest.read(dataDirectory);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            LOG.warn("Ignoring the unreadable manifest in {}: {}", dataDirectory, e.getMessage());
            return false;
        }
        if (!manifest.integrity().equals(catalog.source().integrity())) {
            LOG.info("Data folder {} came from package digest {}, the catalog pins {}", dataDirectory,
                    manifest.integrity(), catalog.source().integrity());
            return false;
        }
        Map<String, String> files = manifest.files();
        for (String relative : new AssetExtractor(catalog, dataDirectory).extractionTargets().values()) {
            String expected = files.get(relative);
            Path file = dataDirectory.resolve(relative);
            if (expected == null || !Files.isRegularFile(file)) {
                LOG.info("Data folder {} lacks {}", dataDirectory, relative);
                return false;
            }
            String actual = DataManifest.sha256(file);
            if (!expected.equals(actual)) {
                LOG.warn("Data file {} has SHA-256 {} but the manifest records {}", file, actual, expected);
                return false;
            }
        }
        return true;
    }

    private static Duration elapsedSince(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
