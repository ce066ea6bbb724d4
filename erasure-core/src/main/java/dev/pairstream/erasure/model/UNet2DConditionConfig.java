package dev.pairstream.erasure.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Hyperparameters of a diffusers {@code UNet2DConditionModel}, read from and written to its {@code config.json} with
 * the diffusers field names.
 *
 * <p>Only the subset of diffusers features that this implementation runs is accepted: the block types in
 * {@link #SUPPORTED_DOWN_BLOCK_TYPES} and {@link #SUPPORTED_UP_BLOCK_TYPES}, a {@code UNetMidBlock2DCrossAttn} middle
 * block, SiLU activations, positional timestep embeddings and one head count shared by every attention layer. The
 * constructor rejects anything else, so a config that loads is a config that {@link UNet2DConditionModel} can run.
 * Fields that diffusers gives a default are optional in JSON and take that default: {@code mid_block_type},
 * {@code center_input_sample}, {@code flip_sin_to_cos} (true), {@code freq_shift} (0), {@code downsample_padding} (1),
 * {@code mid_block_scale_factor} (1), {@code act_fn} (silu), {@code norm_num_groups} (32), {@code norm_eps} (1e-5),
 * {@code transformer_layers_per_block} (1) and {@code use_linear_projection} (false). Unknown fields such as
 * {@code _diffusers_version} are ignored.
 *
 * @param className                 diffusers' {@code _class_name}, always {@value #CLASS_NAME}
 * @param sampleSize                height and width in pixels (or latent cells) of the training samples
 * @param inChannels                channels of the input sample
 * @param outChannels               channels of the predicted output
 * @param centerInputSample         whether the forward pass maps the input from [0, 1] to [-1, 1] first
 * @param flipSinToCos              whether the timestep embedding puts the cosine half before the sine half
 * @param freqShift                 diffusers' {@code downscale_freq_shift} of the sinusoidal timestep embedding
 * @param downBlockTypes            one down block type per resolution level, from the input resolution down
 * @param midBlockType              the middle block type, always {@value #MID_BLOCK_CROSS_ATTN}
 * @param upBlockTypes              one up block type per resolution level, from the lowest resolution up
 * @param blockOutChannels          output channels of each down block; the up blocks use them in reverse
 * @param layersPerBlock            ResNet layers per down block; each up block has one more
 * @param downsamplePadding         padding of the stride-2 downsampling convolutions, always 1
 * @param midBlockScaleFactor       divisor applied to the output of each middle-block ResNet
 * @param actFn                     the activation function, always {@value #ACT_FN_SILU}
 * @param normNumGroups             groups of every group normalization
 * @param normEps                   epsilon of the ResNet and output group normalizations
 * @param crossAttentionDim         width of the text context vectors that cross-attention reads
 * @param transformerLayersPerBlock transformer blocks inside each attention layer
 * @param attentionHeadDim          the NUMBER of attention heads per attention layer, despite the name: diffusers'
 *                                  {@code UNet2DConditionModel} reads {@code attention_head_dim} as
 *                                  {@code num_attention_heads}, so Stable Diffusion 1.5's value 8 means 8 heads of
 *                                  40, 80 and 160 channels; each head has {@code channels / attentionHeadDim} channels
 * @param useLinearProjection       whether {@code proj_in} and {@code proj_out} of each attention layer are
 *                                  {@code Linear} (true) or 1x1 {@code Conv2d} (false, as in Stable Diffusion 1.5)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"_class_name", "sample_size", "in_channels", "out_channels", "center_input_sample",
        "flip_sin_to_cos", "freq_shift", "down_block_types", "mid_block_type", "up_block_types", "block_out_channels",
        "layers_per_block", "downsample_padding", "mid_block_scale_factor", "act_fn", "norm_num_groups", "norm_eps",
        "cross_attention_dim", "transformer_layers_per_block", "attention_head_dim", "use_linear_projection"})
public record UNet2DConditionConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("sample_size") int sampleSize,
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("out_channels") int outChannels,
        @JsonProperty("center_input_sample") boolean centerInputSample,
        @JsonProperty("flip_sin_to_cos") boolean flipSinToCos,
        @JsonProperty("freq_shift") int freqShift,
        @JsonProperty("down_block_types") List<String> downBlockTypes,
        @JsonProperty("mid_block_type") String midBlockType,
        @JsonProperty("up_block_types") List<String> upBlockTypes,
        @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("downsample_padding") int downsamplePadding,
        @JsonProperty("mid_block_scale_factor") double midBlockScaleFactor,
        @JsonProperty("act_fn") String actFn,
        @JsonProperty("norm_num_groups") int normNumGroups,
        @JsonProperty("norm_eps") double normEps,
        @JsonProperty("cross_attention_dim") int crossAttentionDim,
        @JsonProperty("transformer_layers_per_block") int transformerLayersPerBlock,
        @JsonProperty("attention_head_dim") int attentionHeadDim,
        @JsonProperty("use_linear_projection") boolean useLinearProjection) {

    /** The diffusers class name that {@code _class_name} must contain. */
    public static final String CLASS_NAME = "UNet2DConditionModel";

    /** Down block with ResNets followed by a spatial transformer per layer. */
    public static final String CROSS_ATTN_DOWN_BLOCK = "CrossAttnDownBlock2D";
    /** Down block with ResNets only. */
    public static final String DOWN_BLOCK = "DownBlock2D";
    /** Up block with ResNets followed by a spatial transformer per layer. */
    public static final String CROSS_ATTN_UP_BLOCK = "CrossAttnUpBlock2D";
    /** Up block with ResNets only. */
    public static final String UP_BLOCK = "UpBlock2D";
    /** Middle block: ResNet, spatial transformer, ResNet. */
    public static final String MID_BLOCK_CROSS_ATTN = "UNetMidBlock2DCrossAttn";
    /** The only activation function this implementation runs. */
    public static final String ACT_FN_SILU = "silu";

    /** Down block types that {@link UNet2DConditionModel} runs. */
    public static final Set<String> SUPPORTED_DOWN_BLOCK_TYPES = Set.of(CROSS_ATTN_DOWN_BLOCK, DOWN_BLOCK);
    /** Up block types that {@link UNet2DConditionModel} runs. */
    public static final Set<String> SUPPORTED_UP_BLOCK_TYPES = Set.of(CROSS_ATTN_UP_BLOCK, UP_BLOCK);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Validates every field and copies the lists so the record stays immutable.
     *
     * @throws IllegalArgumentException naming the first invalid field, its value and the accepted values
     */
    public UNet2DConditionConfig {
        require(CLASS_NAME.equals(className), "_class_name", className, "\"" + CLASS_NAME + "\"");
        requirePositive(sampleSize, "sample_size");
        requirePositive(inChannels, "in_channels");
        requirePositive(outChannels, "out_channels");
        require(blockOutChannels != null && !blockOutChannels.isEmpty(), "block_out_channels", blockOutChannels,
                "a non-empty list of positive integers");
        for (Integer channels : blockOutChannels) {
            require(channels != null && channels > 0, "block_out_channels", blockOutChannels,
                    "a non-empty list of positive integers");
        }
        blockOutChannels = List.copyOf(blockOutChannels);
        int levels = blockOutChannels.size();
        downBlockTypes = requireBlockTypes(downBlockTypes, "down_block_types", levels, SUPPORTED_DOWN_BLOCK_TYPES);
        upBlockTypes = requireBlockTypes(upBlockTypes, "up_block_types", levels, SUPPORTED_UP_BLOCK_TYPES);
        require(MID_BLOCK_CROSS_ATTN.equals(midBlockType), "mid_block_type", midBlockType,
                "\"" + MID_BLOCK_CROSS_ATTN + "\"");
        requirePositive(layersPerBlock, "layers_per_block");
        require(downsamplePadding == 1, "downsample_padding", downsamplePadding, "1");
        require(Double.isFinite(midBlockScaleFactor) && midBlockScaleFactor > 0, "mid_block_scale_factor",
                midBlockScaleFactor, "a finite number > 0");
        require(ACT_FN_SILU.equals(actFn), "act_fn", actFn, "\"" + ACT_FN_SILU + "\"");
        requirePositive(normNumGroups, "norm_num_groups");
        for (Integer channels : blockOutChannels) {
            require(channels % normNumGroups == 0, "norm_num_groups", normNumGroups,
                    "a divisor of every block_out_channels entry " + blockOutChannels
                            + ", because group normalization splits the channels into equal groups");
        }
        require(Double.isFinite(normEps) && normEps > 0, "norm_eps", normEps, "a finite number > 0");
        requirePositive(crossAttentionDim, "cross_attention_dim");
        requirePositive(transformerLayersPerBlock, "transformer_layers_per_block");
        requirePositive(attentionHeadDim, "attention_head_dim");
        for (int level = 0; level < levels; level++) {
            boolean attends = level == levels - 1
                    || CROSS_ATTN_DOWN_BLOCK.equals(downBlockTypes.get(level))
                    || CROSS_ATTN_UP_BLOCK.equals(upBlockTypes.get(levels - 1 - level));
            require(!attends || blockOutChannels.get(level) % attentionHeadDim == 0, "attention_head_dim",
                    attentionHeadDim, "a divisor of block_out_channels[" + level + "] = " + blockOutChannels.get(level)
                            + ", because it is the number of heads that split the channels of that level's attention");
        }
        // diffusers divides by (half - freq_shift) when it builds the frequencies of the timestep embedding.
        require(blockOutChannels.get(0) / 2 - freqShift != 0, "freq_shift", freqShift,
                "a value other than block_out_channels[0] / 2 = " + blockOutChannels.get(0) / 2);
        int downsamplingFactor = 1 << (levels - 1);
        require(sampleSize % downsamplingFactor == 0, "sample_size", sampleSize,
                "a multiple of " + downsamplingFactor + " (2 to the power of the number of down blocks minus one)");
    }

    /**
     * Builds a config from diffusers JSON fields, taking diffusers' defaults for the optional ones.
     *
     * <p>Jackson calls this factory, so a missing required field fails with the field's name instead of a silent zero.
     */
    @JsonCreator
    static UNet2DConditionConfig fromJsonFields(
            @JsonProperty("_class_name") String className,
            @JsonProperty("sample_size") Integer sampleSize,
            @JsonProperty("in_channels") Integer inChannels,
            @JsonProperty("out_channels") Integer outChannels,
            @JsonProperty("center_input_sample") Boolean centerInputSample,
            @JsonProperty("flip_sin_to_cos") Boolean flipSinToCos,
            @JsonProperty("freq_shift") Integer freqShift,
            @JsonProperty("down_block_types") List<String> downBlockTypes,
            @JsonProperty("mid_block_type") String midBlockType,
            @JsonProperty("up_block_types") List<String> upBlockTypes,
            @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
            @JsonProperty("layers_per_block") Integer layersPerBlock,
            @JsonProperty("downsample_padding") Integer downsamplePadding,
            @JsonProperty("mid_block_scale_factor") Double midBlockScaleFactor,
            @JsonProperty("act_fn") String actFn,
            @JsonProperty("norm_num_groups") Integer normNumGroups,
            @JsonProperty("norm_eps") Double normEps,
            @JsonProperty("cross_attention_dim") Integer crossAttentionDim,
            @JsonProperty("transformer_layers_per_block") Integer transformerLayersPerBlock,
            @JsonProperty("attention_head_dim") Integer attentionHeadDim,
            @JsonProperty("use_linear_projection") Boolean useLinearProjection) {
        return new UNet2DConditionConfig(
                required(className, "_class_name"),
                required(sampleSize, "sample_size"),
                required(inChannels, "in_channels"),
                required(outChannels, "out_channels"),
                Objects.requireNonNullElse(centerInputSample, false),
                Objects.requireNonNullElse(flipSinToCos, true),
                Objects.requireNonNullElse(freqShift, 0),
                required(downBlockTypes, "down_block_types"),
                Objects.requireNonNullElse(midBlockType, MID_BLOCK_CROSS_ATTN),
                required(upBlockTypes, "up_block_types"),
                required(blockOutChannels, "block_out_channels"),
                required(layersPerBlock, "layers_per_block"),
                Objects.requireNonNullElse(downsamplePadding, 1),
                Objects.requireNonNullElse(midBlockScaleFactor, 1.0),
                Objects.requireNonNullElse(actFn, ACT_FN_SILU),
                Objects.requireNonNullElse(normNumGroups, 32),
                Objects.requireNonNullElse(normEps, 1e-5),
                required(crossAttentionDim, "cross_attention_dim"),
                Objects.requireNonNullElse(transformerLayersPerBlock, 1),
                required(attentionHeadDim, "attention_head_dim"),
                Objects.requireNonNullElse(useLinearProjection, false));
    }

    /**
     * Creates the config of the Stable Diffusion 1.5 UNet ({@code runwayml/stable-diffusion-v1-5}, subfolder
     * {@code unet}): 4 latent channels at 64x64, 768-wide CLIP context, 859,520,964 parameters.
     */
    public static UNet2DConditionConfig stableDiffusion15() {
        return new UNet2DConditionConfig(CLASS_NAME, 64, 4, 4, false, true, 0,
                List.of(CROSS_ATTN_DOWN_BLOCK, CROSS_ATTN_DOWN_BLOCK, CROSS_ATTN_DOWN_BLOCK, DOWN_BLOCK),
                MID_BLOCK_CROSS_ATTN,
                List.of(UP_BLOCK, CROSS_ATTN_UP_BLOCK, CROSS_ATTN_UP_BLOCK, CROSS_ATTN_UP_BLOCK),
                List.of(320, 640, 1280, 1280), 2, 1, 1.0, ACT_FN_SILU, 32, 1e-5, 768, 1, 8, false);
    }

    /**
     * Creates the config of the emoji-world denoiser: 32x32 RGB pixels and channels 32/64/64, with cross-attention at
     * the 16x16 and 8x8 levels and in the middle block (4 heads of 16 channels). The 384-wide context matches the
     * per-token hidden states of all-MiniLM-L6-v2. The model has 1,973,795 parameters.
     *
     * <p>It uses one ResNet per down block (two per up block) because a second one more than doubles the cost of a
     * training step. Forward plus backward at batch 32 with 16 context tokens took 1.7 s against 4.0 s (best of six
     * steps on one thread of a 2-core AMD EPYC VM, DJL 0.36 with PyTorch 2.7.1 on CPU).
     */
    public static UNet2DConditionConfig emojiWorld() {
        return new UNet2DConditionConfig(CLASS_NAME, 32, 3, 3, false, true, 0,
                List.of(DOWN_BLOCK, CROSS_ATTN_DOWN_BLOCK, CROSS_ATTN_DOWN_BLOCK),
                MID_BLOCK_CROSS_ATTN,
                List.of(CROSS_ATTN_UP_BLOCK, CROSS_ATTN_UP_BLOCK, UP_BLOCK),
                List.of(32, 64, 64), 1, 1, 1.0, ACT_FN_SILU, 32, 1e-5, 384, 1, 4, false);
    }

    /**
     * Creates a config small enough for smoke tests that still has every supported block type: two levels of 8 and 16
     * channels at 8x8, 2 heads, a 12-wide context and 4 normalization groups.
     */
    public static UNet2DConditionConfig tiny() {
        return new UNet2DConditionConfig(CLASS_NAME, 8, 3, 3, false, true, 0,
                List.of(CROSS_ATTN_DOWN_BLOCK, DOWN_BLOCK),
                MID_BLOCK_CROSS_ATTN,
                List.of(UP_BLOCK, CROSS_ATTN_UP_BLOCK),
                List.of(8, 16), 1, 1, 1.0, ACT_FN_SILU, 4, 1e-5, 12, 1, 2, false);
    }

    /**
     * Parses a diffusers {@code config.json} text.
     *
     * @throws IllegalArgumentException when the JSON is malformed, lacks a required field or fails validation
     */
    public static UNet2DConditionConfig fromJson(String json) {
        try {
            return JSON.readValue(json, UNet2DConditionConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Invalid UNet2DConditionModel config JSON: " + describe(e), e);
        }
    }

    /**
     * Reads a diffusers {@code config.json} file.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws IOException         when the file cannot be read, or its content is not a valid config; the message then
     *                             names the file and the field
     */
    public static UNet2DConditionConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "UNet config file not found");
        }
        String json = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IOException("Invalid UNet config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Serializes this config as diffusers {@code config.json} text with snake_case field names. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Failed to serialize UNet config " + this, e);
        }
    }

    /**
     * Writes this config as a diffusers {@code config.json} file. The text goes to a temporary file in the same
     * directory that then replaces {@code file} atomically, so readers never see a half-written config.
     */
    public void write(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = directory.resolve(file.getFileName() + "." + UUID.randomUUID() + ".partial");
        try {
            Files.writeString(temporary, toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Returns the number of resolution levels, that is the number of down blocks and of up blocks. */
    public int levels() {
        return blockOutChannels.size();
    }

    /** Returns the width of the time embedding: four times {@code block_out_channels[0]}, as in diffusers. */
    public int timeEmbeddingDim() {
        return blockOutChannels.get(0) * 4;
    }

    /** Returns the factor by which the sample height and width shrink between the first and the last level. */
    public int downsamplingFactor() {
        return 1 << (levels() - 1);
    }

    private static List<String> requireBlockTypes(List<String> types, String field, int levels, Set<String> supported) {
        require(types != null && types.size() == levels, field, types,
                "a list of " + levels + " block types, one per block_out_channels entry");
        for (String type : types) {
            require(type != null && supported.contains(type), field, types, "block types from " + supported);
        }
        return List.copyOf(types);
    }

    private static void requirePositive(int value, String field) {
        require(value > 0, field, value, "an integer > 0");
    }

    private static void require(boolean valid, String field, Object value, String expected) {
        if (!valid) {
            throw new IllegalArgumentException(
                    "Invalid UNet config field " + field + ": " + value + "; expected " + expected);
        }
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("Missing required UNet config field " + field);
        }
        return value;
    }

    /** Returns the validation message when the constructor rejected a value, else Jackson's message with the path. */
    private static String describe(JsonProcessingException error) {
        for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException) {
                return cause.getMessage();
            }
        }
        return error.getMessage();
    }
}
