package dev.pairstream.erasure.fisher;

import dev.pairstream.erasure.model.CheckpointException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The Fisher estimates of both halves of a concept's pairs as one artifact: a ZIP archive, entries stored without
 * compression, holding {@code fisher-unsafe.safetensors} and {@code fisher-safe.safetensors}, each the file that
 * {@link FisherEstimate#save} writes. A Fisher snapshot record carries one artifact reference, so both halves travel
 * together. The entries have a fixed time stamp, so the same estimates always give the same bytes and digest.
 */
public final class FisherBundle {

    /** Media type of the bundle in the artifact store. */
    public static final String MEDIA_TYPE = "application/zip";

    // 1980-01-01, the earliest time a ZIP entry can hold, for reproducible bytes.
    private static final long ENTRY_TIME = 315_532_800_000L;

    private FisherBundle() {
    }

    /** Returns the entry name of a half's estimate inside the bundle. */
    public static String entryName(PairHalf half) {
        return "fisher-" + half.id() + ".safetensors";
    }

    /**
     * Writes both estimates into a bundle.
     *
     * @throws IllegalArgumentException when the estimates cover other modules or shapes, or another base model or
     *                                  concept, or a half is in the wrong place
     */
    public static byte[] write(FisherEstimate unsafe, FisherEstimate safe) throws IOException {
        Objects.requireNonNull(unsafe, "unsafe");
        Objects.requireNonNull(safe, "safe");
        if (unsafe.key().half() != PairHalf.UNSAFE || safe.key().half() != PairHalf.SAFE) {
            throw new IllegalArgumentException("A Fisher bundle takes the UNSAFE estimate first and the SAFE one"
                    + " second, got " + unsafe.key() + " and " + safe.key());
        }
        if (!unsafe.key().baseModelId().equals(safe.key().baseModelId())
                || !unsafe.key().conceptId().equals(safe.key().conceptId())
                || !unsafe.shapes().equals(safe.shapes())) {
            throw new IllegalArgumentException("The two halves of a Fisher bundle must share base model, concept and"
                    + " module shapes, got " + unsafe + " and " + safe);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (FisherEstimate estimate : new FisherEstimate[] {unsafe, safe}) {
                // Written in memory first: a stored ZIP entry needs its size and CRC before its bytes.
                ByteArrayOutputStream file = new ByteArrayOutputStream();
                FisherFile.write(file, estimate);
                byte[] content = file.toByteArray();
                ZipEntry entry = new ZipEntry(entryName(estimate.key().half()));
                entry.setMethod(ZipEntry.STORED);
                entry.setTime(ENTRY_TIME);
                entry.setSize(content.length);
                CRC32 crc = new CRC32();
                crc.update(content);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(content);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a bundle that {@link #write} wrote.
     *
     * @return the estimate of each half
     * @throws CheckpointException when an entry is missing, repeated or unknown, or an estimate is malformed
     * @throws IOException         when the stream cannot be read or is not a ZIP archive
     */
    public static Map<PairHalf, FisherEstimate> read(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        Path folder = Files.createTempDirectory("fisher-bundle");
        try {
            Map<PairHalf, FisherEstimate> estimates = new EnumMap<>(PairHalf.class);
            Path bundle = folder.resolve("bundle.zip");
            try (ZipInputStream zip = new ZipInputStream(in)) {
                ZipEntry entry;
                while ((entry = zip.getNextEntry()) != null) {
                    PairHalf half = halfOf(bundle, entry.getName());
                    if (estimates.containsKey(half)) {
                        throw new CheckpointException(bundle, "entry " + entry.getName() + " occurs twice");
                    }
                    Path file = folder.resolve(entryName(half));
                    Files.copy(zip, file);
                    FisherEstimate estimate = FisherEstimate.load(file);
                    if (estimate.key().half() != half) {
                        throw new CheckpointException(bundle, "entry " + entry.getName() + " contains the "
                                + estimate.key().half().id() + " half");
                    }
                    estimates.put(half, estimate);
                }
            }
            for (PairHalf half : PairHalf.values()) {
                if (!estimates.containsKey(half)) {
                    throw new CheckpointException(bundle, "entry " + entryName(half) + " is missing; a Fisher"
                            + " bundle holds both halves");
                }
            }
            return estimates;
        } finally {
            deleteFolder(folder);
        }
    }

    private static PairHalf halfOf(Path bundle, String name) throws CheckpointException {
        for (PairHalf half : PairHalf.values()) {
            if (entryName(half).equals(name)) {
                return half;
            }
        }
        throw new CheckpointException(bundle, "entry " + name + " is unknown; expected " + entryName(PairHalf.UNSAFE)
                + " and " + entryName(PairHalf.SAFE));
    }

    private static void deleteFolder(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(folder);
    }
}
