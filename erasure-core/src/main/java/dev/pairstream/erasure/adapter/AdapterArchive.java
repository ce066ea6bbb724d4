package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.UNetWeights;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * One PEFT adapter folder ({@value PeftAdapterFiles#CONFIG_FILE} and {@value PeftAdapterFiles#WEIGHTS_FILE}) as a
 * single ZIP archive, the form in which an adapter goes into the artifact store: one content address for both files.
 * The entries are stored uncompressed with a fixed time, so the same adapter always gives the same bytes and digest.
 * Unzipped, the archive is a folder that PEFT's {@code PeftModel.from_pretrained} reads.
 */
public final class AdapterArchive {

    /** Media type of the archive in the artifact store. */
    public static final String MEDIA_TYPE = "application/zip";

    private static final long ENTRY_TIME = 315_532_800_000L;
    private static final List<String> ENTRIES = List.of(PeftAdapterFiles.CONFIG_FILE, PeftAdapterFiles.WEIGHTS_FILE);

    private AdapterArchive() {
    }

    /** Returns the archive of an adapter, written as {@link PeftAdapterFiles#save(Adapter, Path)} writes it. */
    public static byte[] write(Adapter adapter) throws IOException {
        Objects.requireNonNull(adapter, "adapter");
        Path folder = Files.createTempDirectory("adapter-archive");
        try {
            Path adapterFolder = folder.resolve("adapter");
            PeftAdapterFiles.save(adapter, adapterFolder);
            return zip(adapterFolder);
        } finally {
            AtomicFiles.deleteQuietly(folder);
        }
    }

    /** Returns the archive of a PEFT adapter folder. */
    public static byte[] zip(Path adapterFolder) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String name : ENTRIES) {
                byte[] content = Files.readAllBytes(adapterFolder.resolve(name));
                ZipEntry entry = new ZipEntry(name);
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
     * Unpacks an archive into {@code folder}, which must not exist yet.
     *
     * @throws CheckpointException when an entry is unknown or repeated, or one is missing
     */
    public static void unzip(InputStream in, Path folder) throws IOException {
        Objects.requireNonNull(in, "in");
        Files.createDirectories(folder.getParent() == null ? Path.of(".") : folder.getParent());
        Files.createDirectory(folder);
        Set<String> seen = new HashSet<>();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!ENTRIES.contains(name)) {
                    throw new CheckpointException(folder, "the adapter archive contains the unknown entry '" + name
                            + "'; expected only " + ENTRIES);
                }
                if (!seen.add(name)) {
                    throw new CheckpointException(folder, "the adapter archive contains " + name + " twice");
                }
                Files.copy(zip, folder.resolve(name));
            }
        }
        for (String name : ENTRIES) {
            if (!seen.contains(name)) {
                throw new CheckpointException(folder, "the adapter archive lacks " + name);
            }
        }
    }

    /**
     * Reads an archive and loads its adapter for {@code base}'s model, as {@link PeftAdapterFiles#load} does.
     *
     * @throws CheckpointException when the archive or the adapter in it is malformed or does not fit the model
     */
    public static Adapter read(InputStream in, UNetWeights base, NDManager parent) throws IOException {
        Path folder = Files.createTempDirectory("adapter-archive");
        try {
            Path adapterFolder = folder.resolve("adapter");
            unzip(in, adapterFolder);
            return PeftAdapterFiles.load(adapterFolder, base, parent);
        } finally {
            AtomicFiles.deleteQuietly(folder);
        }
    }
}
