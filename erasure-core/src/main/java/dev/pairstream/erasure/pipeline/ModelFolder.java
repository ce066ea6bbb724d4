package dev.pairstream.erasure.pipeline;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.SafetensorsFile;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A text-to-image model folder in diffusers' layout:
 * <pre>
 *   model_index.json
 *   unet/config.json, unet/diffusion_pytorch_model.safetensors
 *   scheduler/scheduler_config.json
 *   text_encoder/config.json      (names the bundled all-MiniLM-L6-v2 and its token count)
 *   provenance.json               (how the weights were made)
 * </pre>
 * The {@code unet} and {@code scheduler} folders load in diffusers as a {@code UNet2DConditionModel} and a
 * {@code DDIMScheduler}; the pipeline as a whole is this project's, because its text encoder is not CLIP and there is
 * no VAE.
 */
public final class ModelFolder {

    /** File name of the component index. */
    public static final String MODEL_INDEX_FILE = "model_index.json";
    /** Folder of the denoiser. */
    public static final String UNET_FOLDER = "unet";
    /** Folder of the noise schedule. */
    public static final String SCHEDULER_FOLDER = "scheduler";
    /** Folder of the text-encoder settings. */
    public static final String TEXT_ENCODER_FOLDER = "text_encoder";
    /** File name of the text-encoder settings inside {@value #TEXT_ENCODER_FOLDER}. */
    public static final String TEXT_ENCODER_CONFIG_FILE = "config.json";
    /** File name of the provenance record. */
    public static final String PROVENANCE_FILE = "provenance.json";
    /** The {@code _class_name} of {@value #MODEL_INDEX_FILE}. */
    public static final String PIPELINE_CLASS = "PairStreamTextToImagePipeline";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;
    private final UNet2DConditionConfig unet;
    private final SchedulerConfig scheduler;
    private final TextEncoderSettings textEncoder;
    private final JsonNode provenance;

    private ModelFolder(Path directory, UNet2DConditionConfig unet, SchedulerConfig scheduler,
            TextEncoderSettings textEncoder, JsonNode provenance) {
        this.directory = directory;
        this.unet = unet;
        this.scheduler = scheduler;
        this.textEncoder = textEncoder;
        this.provenance = provenance;
    }

    /**
     * Writes a complete model folder, replacing any folder at {@code directory} only once the new one is complete.
     *
     * @param unetWeights the denoiser's weights by diffusers name
     * @param provenance  facts about how the weights were made, written as {@value #PROVENANCE_FILE}
     */
    public static void write(Path directory, UNet2DConditionConfig unet, Map<String, NDArray> unetWeights,
            SchedulerConfig scheduler, TextEncoderSettings textEncoder, Map<String, Object> provenance)
            throws IOException {
        Objects.requireNonNull(unet, "unet");
        Objects.requireNonNull(unetWeights, "unetWeights");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(textEncoder, "textEncoder");
        Objects.requireNonNull(provenance, "provenance");
        Path temporary = AtomicFiles.newTemporaryFolder(directory);
        try {
            Path unetFolder = temporary.resolve(UNET_FOLDER);
            SafetensorsFile.write(unetFolder.resolve(UNet2DConditionModel.WEIGHTS_FILE), unetWeights);
            unet.write(unetFolder.resolve(UNet2DConditionModel.CONFIG_FILE));
            try {
                scheduler.write(temporary.resolve(SCHEDULER_FOLDER));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            AtomicFiles.writeJson(JSON, temporary.resolve(TEXT_ENCODER_FOLDER).resolve(TEXT_ENCODER_CONFIG_FILE),
                    textEncoder);
            AtomicFiles.writeJson(JSON, temporary.resolve(PROVENANCE_FILE), provenance);
            AtomicFiles.writeJson(JSON, temporary.resolve(MODEL_INDEX_FILE), modelIndex());
            AtomicFiles.replaceFolder(temporary, directory);
        } finally {
            AtomicFiles.deleteQuietly(temporary);
        }
    }

    /**
     * Reads a model folder's index and settings; the weights are loaded later, by {@link #loadUnet}.
     *
     * @throws NoSuchFileException when the folder or one of its files does not exist
     * @throws IOException         when a file is invalid, naming the file and the problem
     */
    public static ModelFolder read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "model folder not found; train one with"
                    + " ./pair train base or pass the folder that holds " + MODEL_INDEX_FILE);
        }
        Path indexFile = requireFile(directory.resolve(MODEL_INDEX_FILE));
        JsonNode index = JSON.readTree(indexFile.toFile());
        String className = index.path("_class_name").asText(null);
        if (!PIPELINE_CLASS.equals(className)) {
            throw new IOException("Invalid " + indexFile + ": _class_name is " + className + "; expected \""
                    + PIPELINE_CLASS + "\"");
        }
        for (String component : new String[] {UNET_FOLDER, SCHEDULER_FOLDER, TEXT_ENCODER_FOLDER}) {
            if (!index.has(component)) {
                throw new IOException("Invalid " + indexFile + ": the component \"" + component + "\" is missing");
            }
        }
        requireFile(directory.resolve(UNET_FOLDER).resolve(UNet2DConditionModel.WEIGHTS_FILE));
        UNet2DConditionConfig unet = UNet2DConditionConfig.read(
                requireFile(directory.resolve(UNET_FOLDER).resolve(UNet2DConditionModel.CONFIG_FILE)));
        Path schedulerFolder = directory.resolve(SCHEDULER_FOLDER);
        requireFile(schedulerFolder.resolve(SchedulerConfig.FILE_NAME));
        SchedulerConfig scheduler;
        try {
            scheduler = SchedulerConfig.read(schedulerFolder);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Path textEncoderFile = requireFile(directory.resolve(TEXT_ENCODER_FOLDER).resolve(TEXT_ENCODER_CONFIG_FILE));
        TextEncoderSettings textEncoder;
        try {
            textEncoder = JSON.readValue(textEncoderFile.toFile(), TextEncoderSettings.class);
        } catch (IOException e) {
            throw new IOException("Invalid text encoder settings " + textEncoderFile + ": " + e.getMessage(), e);
        }
        if (unet.inChannels() != 3 || unet.outChannels() != 3) {
            throw new IOException("Model folder " + directory + " has an invalid UNet with in_channels "
                    + unet.inChannels() + " and out_channels " + unet.outChannels() + "; expected 3 and 3 for RGB"
                    + " pixels");
        }
        if (unet.crossAttentionDim() != textEncoder.hiddenSize()) {
            throw new IOException("Model folder " + directory + " does not fit together: the UNet's"
                    + " cross_attention_dim is " + unet.crossAttentionDim() + " but the text encoder's hidden_size is "
                    + textEncoder.hiddenSize());
        }
        Path provenanceFile = directory.resolve(PROVENANCE_FILE);
        JsonNode provenance = Files.isRegularFile(provenanceFile) ? JSON.readTree(provenanceFile.toFile())
                : JSON.createObjectNode();
        return new ModelFolder(directory, unet, scheduler, textEncoder, provenance);
    }

    /** Returns the folder. */
    public Path directory() {
        return directory;
    }

    /** Returns the folder of the denoiser, which {@link UNet2DConditionModel#load} reads. */
    public Path unetDirectory() {
        return directory.resolve(UNET_FOLDER);
    }

    /** Returns the denoiser's config. */
    public UNet2DConditionConfig unet() {
        return unet;
    }

    /** Returns the noise schedule. */
    public SchedulerConfig scheduler() {
        return scheduler;
    }

    /** Returns the text-encoder settings. */
    public TextEncoderSettings textEncoder() {
        return textEncoder;
    }

    /** Returns the provenance record, or an empty object when the folder has none. */
    public JsonNode provenance() {
        return provenance.deepCopy();
    }

    /** Loads the denoiser's weights under {@code parent}. */
    public UNet2DConditionModel loadUnet(ai.djl.ndarray.NDManager parent) throws IOException {
        return UNet2DConditionModel.load(unetDirectory(), parent);
    }

    private static ObjectNode modelIndex() {
        ObjectNode index = JSON.createObjectNode();
        index.put("_class_name", PIPELINE_CLASS);
        index.set(UNET_FOLDER, pair("diffusers", "UNet2DConditionModel"));
        index.set(SCHEDULER_FOLDER, pair("diffusers", "DDIMScheduler"));
        index.set(TEXT_ENCODER_FOLDER, pair("sentence-transformers", "all-MiniLM-L6-v2"));
        return index;
    }

    private static ArrayNode pair(String library, String className) {
        return JSON.createArrayNode().add(library).add(className);
    }

    private static Path requireFile(Path file) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "model folder file not found");
        }
        return file;
    }
}
