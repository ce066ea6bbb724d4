package dev.pairstream.erasure.emoji;

import java.util.List;
import java.util.Objects;

/**
 * The pinned npm package the emoji images come from.
 *
 * @param packageName    npm package name, such as {@code emoji-datasource-google}
 * @param version        exact package version
 * @param integrity      the tarball's Subresource Integrity string, as {@code npm view PACKAGE dist.integrity}
 *                       prints it
 * @param imageDirectory tarball folder that contains one PNG per emoji, ending in {@code /}
 * @param imageSize      side length of those PNGs, in pixels
 * @param metadataFile   tarball path of the package's emoji list ({@code emoji.json})
 * @param licenceFiles   tarball paths of the licence texts to keep next to the images
 */
public record PackageSource(String packageName, String version, String integrity, String imageDirectory,
        int imageSize, String metadataFile, List<String> licenceFiles) {

    public PackageSource {
        Objects.requireNonNull(packageName, "packageName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(integrity, "integrity");
        Objects.requireNonNull(imageDirectory, "imageDirectory");
        Objects.requireNonNull(metadataFile, "metadataFile");
        licenceFiles = List.copyOf(licenceFiles);
    }

    /** Returns the npm package spec, such as {@code emoji-datasource-google@16.0.0}. */
    public String packageSpec() {
        return packageName + "@" + version;
    }

    /**
     * Returns the file name {@code npm pack} gives the tarball: a scoped name {@code @scope/name} becomes
     * {@code scope-name}.
     */
    public String tarballFileName() {
        String base = packageName.startsWith("@") ? packageName.substring(1).replace('/', '-') : packageName;
        return base + "-" + version + ".tgz";
    }

    /** Returns the tarball path of a concept's PNG. */
    public String imagePath(Concept concept) {
        return imageDirectory + concept.imageFileName();
    }
}
