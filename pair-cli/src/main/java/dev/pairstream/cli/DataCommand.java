package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.emoji.CatalogException;
import dev.pairstream.erasure.emoji.Colour;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.ContactSheet;
import dev.pairstream.erasure.emoji.EmojiAssets;
import dev.pairstream.erasure.emoji.EmojiImages;
import dev.pairstream.erasure.emoji.EmojiRenderer;
import dev.pairstream.erasure.emoji.GridPosition;
import dev.pairstream.erasure.emoji.ObjectSize;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.emoji.PreparedData;
import dev.pairstream.erasure.emoji.RenderedPicture;
import dev.pairstream.erasure.emoji.Scene;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Prepares the emoji world's data: the pinned emoji-datasource tarball, verified, and the catalog's images. */
@Command(name = "data",
        mixinStandardHelpOptions = true,
        description = "Fetch the pinned emoji-datasource-google package with npm pack (or reuse the verified cached"
                + " tarball), check its sha512 digest, and extract the catalog's 64-pixel emoji PNGs and licence"
                + " texts with a SHA-256 manifest.")
final class DataCommand implements Callable<Integer> {

    /** Exit code when the data cannot be prepared: npm, digest, tarball or catalog failure. */
    static final int FAILED = 1;

    /** Tiles per row of the contact sheet. */
    private static final int SHEET_COLUMNS = 8;

    /** Enlargement of each 32-pixel picture on the contact sheet, for viewing. */
    private static final int SHEET_SCALE = 4;

    @Option(names = "--cache-dir", defaultValue = ".pair/cache/npm",
            description = "Folder for the npm tarball, reused across runs (default: ${DEFAULT-VALUE}).")
    Path cacheDirectory;

    @Option(names = "--data-dir", defaultValue = ".pair/data/emoji",
            description = "Folder for the extracted images, licence texts and manifest (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--force", description = "Extract again even when the data folder is already up to date.")
    boolean force;

    @Option(names = "--npm", defaultValue = "npm", description = "npm executable to run (default: ${DEFAULT-VALUE}).")
    String npm;

    @Option(names = "--npm-timeout", defaultValue = "600",
            description = "Seconds that npm pack may run before it is killed (default: ${DEFAULT-VALUE}).")
    long npmTimeoutSeconds;

    @Option(names = "--contact-sheet", paramLabel = "PNG",
            description = "Also write a PNG of every catalog emoji at the middle size in the centre cell, to check"
                    + " the images by eye.")
    Path contactSheet;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (npmTimeoutSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --npm-timeout: " + npmTimeoutSeconds
                    + "; expected at least 1 second");
        }
        Map<String, Object> report = new LinkedHashMap<>();
        try {
            ConceptCatalog catalog = ConceptCatalog.loadDefault();
            EmojiAssets assets = new EmojiAssets(catalog, cacheDirectory, dataDirectory, List.of(npm),
                    Duration.ofSeconds(npmTimeoutSeconds));
            PreparedData prepared = assets.prepare(force);

            report.put("catalogVersion", catalog.version());
            report.put("package", catalog.source().packageSpec());
            report.put("integrity", catalog.source().integrity());
            report.put("concepts", catalog.concepts().size());
            report.put("dataDirectory", prepared.dataDirectory().toAbsolutePath().toString());
            report.put("tarball", prepared.tarball() == null ? null : prepared.tarball().toAbsolutePath().toString());
            report.put("tarballFromCache", prepared.tarballFromCache());
            report.put("upToDate", prepared.upToDate());
            report.put("filesExtracted", prepared.filesExtracted());
            report.put("bytesExtracted", prepared.bytesExtracted());
            report.put("tarballBytes", prepared.tarballBytes());
            report.put("seconds", prepared.elapsed().toMillis() / 1000.0);
            if (contactSheet != null) {
                int pictures = writeContactSheet(catalog);
                report.put("contactSheet", contactSheet.toAbsolutePath().toString());
                report.put("contactSheetPictures", pictures);
            }
        } catch (IOException | CatalogException e) {
            spec.commandLine().getErr().println("pair data: " + e.getMessage());
            return FAILED;
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            report.forEach((name, value) -> out.printf("%-22s %s%n", name, value));
        }
        out.flush();
        return 0;
    }

    /** Renders each concept once, cycling through the background colours, and returns how many were drawn. */
    private int writeContactSheet(ConceptCatalog catalog) throws IOException {
        EmojiRenderer renderer = new EmojiRenderer(catalog, EmojiImages.load(catalog, dataDirectory));
        List<ObjectSize> sizes = catalog.sizes();
        ObjectSize size = sizes.get(sizes.size() / 2);
        GridPosition position = centreCell(catalog);
        List<Colour> colours = catalog.colours();
        List<RenderedPicture> pictures = new ArrayList<>();
        List<Concept> concepts = catalog.concepts();
        for (int i = 0; i < concepts.size(); i++) {
            Colour colour = colours.get(i % colours.size());
            pictures.add(renderer.render(new Scene(concepts.get(i).id(), colour.id(), size.id(), position.id())));
        }
        PictureCodec.writePng(ContactSheet.tile(pictures, SHEET_COLUMNS, SHEET_SCALE, SHEET_SCALE), contactSheet);
        return pictures.size();
    }

    private static GridPosition centreCell(ConceptCatalog catalog) {
        int row = catalog.canvas().gridRows() / 2;
        int column = catalog.canvas().gridColumns() / 2;
        return catalog.positions().stream()
                .filter(p -> p.row() == row && p.column() == column)
                .findFirst()
                .orElse(catalog.positions().get(0));
    }
}
